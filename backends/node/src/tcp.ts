import net from "node:net";
import type { BackendConnectTcpOptions, BackendTCPListenerOptions } from "@portio/core/backend";
import { UnsupportedError } from "@portio/core";
import { listen } from "./listen.ts";
import { NodeListenerTransport } from "./listener-transport.ts";
import { DirectReads, NetStreamTransport, netTcpOptions } from "@portio/node-shared";

/**
 * Connects to one TCP endpoint, with `options.tcpOptions` (TCP_NODELAY by default) given to
 * `net.connect`, which applies them as the socket connects. Reads come through `onread`
 * ({@link DirectReads}), which node:tls's fast path still allows: TLS then reads the handle itself. Core hands in numeric addresses and runs
 * happy eyeballs itself, so Node's own address racing (`autoSelectFamily`) stays off.
 *
 * @example
 * ```ts
 * const transport = await connectTcp("127.0.0.1", 8080, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export function connectTcp(host: string, port: number, options: BackendConnectTcpOptions = {}): Promise<NetStreamTransport> {
  // Not an async function: its promise would add turns of the microtask queue to every connect.
  const { localHost, localPort, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let socket: net.Socket;
  try {
    socket = net.connect({
      host,
      port,
      localAddress: localHost,
      localPort,
      allowHalfOpen: true,
      ...netTcpOptions(options.tcpOptions),
      autoSelectFamily: false,
      onread: DirectReads.option(),
    });
  } catch (error) {
    return Promise.reject(error);
  }
  // Core hands in a numeric address, so the family is known before connecting.
  const family = host.includes(":") ? "inet6" : "inet";
  return NetStreamTransport.connect(socket, { family, destroyClosesFd: true, directReads: true }, signal);
}

/**
 * Listens on one TCP address. Node (libuv) always sets SO_REUSEADDR; accepted connections get
 * `options.tcpOptions` (TCP_NODELAY by default; node:net sets them on each) and arrive paused, so none of their data is read before someone asks for it.
 * They read through direct reads too ({@link DirectReads.onto}), given to them as they are wrapped.
 *
 * @throws UnsupportedError if `reusePort` is asked for on a Node without `listen({ reusePort })`
 * @example
 * ```ts
 * const listener = await createTcpListener("::", 0, { backlog: 128, reusePort: false, ipv6Only: true });
 * console.log(listener.localAddress()); // ["::", 43817]
 * ```
 */
export async function createTcpListener(
  host: string,
  port: number,
  options: BackendTCPListenerOptions,
): Promise<NodeListenerTransport> {
  const { backlog, reusePort, ipv6Only } = options;
  if (reusePort && !nodeHasReusePort()) {
    throw new UnsupportedError(
      `the Node backend cannot set SO_REUSEPORT on Node ${process.versions.node}: node:net supports ` +
        "listen({ reusePort }) from Node 22.12 and 23.1 on; upgrade Node, or leave reusePort off",
    );
  }
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, ...netTcpOptions(options.tcpOptions) });
  await listen(server, {
    host,
    port,
    backlog,
    // libuv refuses IPV6_V6ONLY for an IPv4 address (EINVAL), so it is only passed for IPv6.
    ...(net.isIPv6(host) ? { ipv6Only } : {}),
    // Spread in because @types/node 20 does not know the option.
    ...(reusePort ? { reusePort: true } : {}),
  });
  const address = server.address() as net.AddressInfo;
  const family = address.family === "IPv6" ? "inet6" : "inet";
  return new NodeListenerTransport(server, {
    family,
    localAddress: [address.address, address.port],
    wrap: (socket) => new NetStreamTransport(socket, { family, destroyClosesFd: true, directReads: DirectReads.onto(socket) }),
  });
}

/** Whether this Node's `server.listen()` knows `reusePort` (added in v23.1.0 and v22.12.0). */
export function nodeHasReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
