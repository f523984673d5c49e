import {
  newSocketTcpOptions,
  type BackendConnectTcpOptions,
  type BackendTCPListenerOptions,
  type ListenerTransport,
} from "@portio/core/backend";
import { UnsupportedError } from "@portio/core";
import { ipFamilyOf } from "./addresses.ts";
import { claimIPv4Side, listenAnyIPv6Only } from "./dual-stack.ts";
import { DenoListenerTransport } from "./listener-transport.ts";
import { hasUnstableNet, withPermission, withPermissionSync } from "./permissions.ts";
import { directReadingSocket, NetStreamTransport } from "@portio/node-shared";
import { DenoStreamTransport, applyDenoTcpOptions, refuseKeepAliveIdle } from "./stream-transport.ts";
import { connectBoundTcpFd } from "@portio/libc-socket";
import { getDenoBinder } from "./libc-binder.ts";

/**
 * Connects to one numeric TCP address with `Deno.connect` (Deno's fastest stream API), with
 * `options.tcpOptions` (TCP_NODELAY by default; a keep-alive idle time is an `UnsupportedError`). Core runs happy eyeballs over the addresses itself, so Deno's own is off.
 * Needs `--allow-net`. With `localHost` / `localPort`, which `Deno.connect` cannot bind, the
 * connection is made through libc instead and needs `--allow-ffi` (`connectBoundTcpFd`).
 *
 * @example
 * ```ts
 * const transport = await connectTcp("127.0.0.1", 8080, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function connectTcp(
  host: string,
  port: number,
  options: BackendConnectTcpOptions = {},
): Promise<DenoStreamTransport | NetStreamTransport> {
  const { localHost, localPort, signal } = options;
  refuseKeepAliveIdle(options.tcpOptions);
  if (localHost !== undefined || localPort !== undefined) {
    // Deno.connect cannot bind the local end: libc does, node:net streams (needs --allow-ffi).
    return connectBound(host, port, options);
  }
  signal?.throwIfAborted();
  const conn = await withPermission("TCP connections", "--allow-net", () =>
    // Deno closes the half-open socket itself when the signal aborts, and rejects with its reason.
    Deno.connect({ hostname: host, port, autoSelectFamily: false, ...(signal ? { signal } : {}) }),
  );
  try {
    signal?.throwIfAborted();
    applyDenoTcpOptions(conn, newSocketTcpOptions(options.tcpOptions));
  } catch (error) {
    conn.close();
    throw error;
  }
  return new DenoStreamTransport(conn, { family: ipFamilyOf(host) });
}

/**
 * Listens on one numeric TCP address with `Deno.listen` (SO_REUSEADDR is Deno's default).
 * Accepted connections get `options.tcpOptions` (TCP_NODELAY by default; a keep-alive idle time
 * is an `UnsupportedError`). `::` with `ipv6Only` shares one dual-stack socket with
 * the `0.0.0.0` listener core makes next (see dual-stack.ts). Needs `--allow-net`.
 *
 * @throws UnsupportedError for `reusePort` without `--unstable-net` (Deno's flag for it)
 * @example
 * ```ts
 * const listener = await createTcpListener("127.0.0.1", 0, { backlog: 128, reusePort: false, ipv6Only: false });
 * console.log(listener.localAddress()); // ["127.0.0.1", 40517]
 * ```
 */
export async function createTcpListener(
  host: string,
  port: number,
  options: BackendTCPListenerOptions,
): Promise<ListenerTransport> {
  const { backlog, reusePort, ipv6Only } = options;
  refuseKeepAliveIdle(options.tcpOptions);
  const tcpOptions = newSocketTcpOptions(options.tcpOptions);
  if (reusePort && !hasUnstableNet()) {
    // Without the flag, Deno would end the whole process rather than throw.
    throw new UnsupportedError(
      "the Deno backend can set SO_REUSEPORT only when deno runs with --unstable-net (Deno.listen's reusePort is unstable); " +
        "add --unstable-net, or leave reusePort off",
    );
  }
  const listen = (p: number): Deno.Listener =>
    withPermissionSync("TCP listeners", "--allow-net", () =>
      Deno.listen({
        hostname: host,
        port: p,
        tcpBacklog: backlog,
        ...(reusePort ? { reusePort: true } : {}),
      } as Deno.TcpListenOptions),
    );
  if (!reusePort && port !== 0 && host === "0.0.0.0") {
    const side = claimIPv4Side(port, tcpOptions);
    if (side !== undefined) return side;
  }
  if (!reusePort && ipv6Only && host === "::") return listenAnyIPv6Only(port, listen, tcpOptions);
  const listener = listen(port);
  const address = listener.addr as Deno.NetAddr;
  const family = ipFamilyOf(address.hostname);
  return new DenoListenerTransport(listener, {
    family,
    localAddress: [address.hostname, address.port],
    wrap: (conn) => {
      applyDenoTcpOptions(conn as Deno.TcpConn, tcpOptions);
      return new DenoStreamTransport(conn, { family });
    },
  });
}

/** libc makes, binds and connects the socket; node:net streams its fd, the one way Deno has to. */
async function connectBound(host: string, port: number, options: BackendConnectTcpOptions): Promise<NetStreamTransport> {
  const { fd, family } = await connectBoundTcpFd(getDenoBinder(), host, port, options);
  try {
    // Direct reads, as on adopted sockets (adopt-stream.ts): Deno's node:net takes the `onread` option.
    return new NetStreamTransport(directReadingSocket(fd), { family, fd, directReads: true });
  } catch (error) {
    getDenoBinder().close(fd);
    throw error;
  }
}
