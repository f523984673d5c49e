import net from "node:net";
import type { Socket } from "bun";
import { NetStreamTransport, netTcpOptions } from "@portio/node-shared";
import {
  deferred,
  newSocketTcpOptions,
  type Deferred,
  type BackendConnectTcpOptions,
  type BackendTCPListenerOptions,
  type BackendTCPOptions,
} from "@portio/core/backend";
import { connectBoundTcpFd } from "@portio/libc-socket";
import { streamFromFd } from "./fd-stream.ts";
import { getBunFfiBinder } from "./libc-binder.ts";
import { BunListenerTransport } from "./listener-transport.ts";
import { streamHandlers } from "./socket-handlers.ts";
import { BunStreamTransport, applyBunTcpOptions } from "./stream-transport.ts";

/**
 * Connects to one numeric TCP endpoint with `options.tcpOptions` (TCP_NODELAY by default). Core runs happy eyeballs over several
 * addresses itself.
 *
 * Without a signal: `Bun.connect` (Bun's fastest path: it beats node:net on connect churn). With
 * one: Bun's node:net, because `Bun.connect` hands out no socket before it is connected and so
 * cannot be cancelled (a SYN nobody answers kept it pending for minutes whatever the signal
 * said); a `net.Socket` destroyed while connecting closes its fd at once, and the call rejects with
 * `signal.reason` once it has. Core passes a signal only when the caller gave one or happy
 * eyeballs races several addresses.
 *
 * `Bun.connect` cannot bind a local address first; with `localHost` / `localPort` the socket is
 * made, bound and connected through libc instead and then handed to Bun (`connectBoundTcpFd`).
 *
 * @example
 * ```ts
 * const transport = await connectTcp("127.0.0.1", 8080, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export function connectTcp(
  host: string,
  port: number,
  options: BackendConnectTcpOptions = {},
): Promise<BunStreamTransport | NetStreamTransport> {
  const { localHost, localPort, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (localHost !== undefined || localPort !== undefined) return connectBound(host, port, options);
  const family = host.includes(":") ? "inet6" : "inet";
  if (signal !== undefined) {
    const socket = net.connect({ host, port, allowHalfOpen: true, ...netTcpOptions(options.tcpOptions) });
    // Bun's node:net, like Node's, closes the fd inside destroy() (bun-quirks.test.ts checks it).
    return NetStreamTransport.connect(socket, { family, destroyClosesFd: true }, signal);
  }
  // The promise resolves from the `open` handler with the transport it built, not from
  // Bun.connect's promise with the socket: no `then` hop between the connection and the caller's
  // first write. What `open` needs travels in `socket.data`; Bun.connect's promise only carries
  // connect failures (it rejects without `open` having run). The deferred is that data itself,
  // with the two fields added: no executor closure and no second object per connection.
  const pending = deferred<BunStreamTransport>() as PendingConnect;
  pending.family = family;
  pending.tcpOptions = newSocketTcpOptions(options.tcpOptions);
  Bun.connect<BunStreamTransport | undefined>({
    hostname: host,
    port,
    allowHalfOpen: true,
    data: pending as never,
    socket: connectHandlers,
  }).catch(pending.reject);
  return pending.promise;
}

/** What a `Bun.connect` call hands its `open` handler through `socket.data`: the call's deferred and what `open` applies. */
interface PendingConnect extends Deferred<BunStreamTransport> {
  family: "inet" | "inet6";
  tcpOptions: Partial<BackendTCPOptions>;
}

/**
 * One handler object for every `Bun.connect`: what differs per connection travels in
 * `socket.data` (which the transport then replaces with itself), so connecting builds no
 * handler object each time.
 */
const connectHandlers = streamHandlers((socket: Socket<BunStreamTransport>) => {
  const pending = socket.data as unknown as PendingConnect;
  try {
    applyBunTcpOptions(socket, pending.tcpOptions, true);
    pending.resolve(new BunStreamTransport(socket, { family: pending.family }));
  } catch (error) {
    // The caller gets the failure; the socket must not outlive a connect nobody holds.
    socket.data = undefined as never;
    socket.terminate();
    pending.reject(error);
  }
});

/**
 * Listens on one numeric TCP address with `Bun.listen`. Bun sets SO_REUSEADDR itself; accepted
 * connections get `options.tcpOptions` (TCP_NODELAY by default). `backlog` is not applied: `Bun.listen` has no such option and
 * uses its own (the OS caps it at `net.core.somaxconn` anyway).
 *
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
): Promise<BunListenerTransport> {
  const family = host.includes(":") ? "inet6" : "inet";
  const transport = new BunListenerTransport({
    family,
    localAddress: [host, port],
    accepted: { family },
    tcpOptions: newSocketTcpOptions(options.tcpOptions),
  });
  const listener = Bun.listen<BunStreamTransport | undefined>({
    hostname: host,
    port,
    allowHalfOpen: true,
    // ipv6Only only for IPv6 addresses, as the interface says; Bun ignores it for IPv4.
    ...(family === "inet6" ? { ipv6Only: options.ipv6Only } : {}),
    ...(options.reusePort ? { reusePort: true } : {}),
    socket: transport.handlers,
  } as Bun.TCPSocketListenOptions<BunStreamTransport | undefined>);
  transport.attach(listener, [host, listener.port]);
  return transport;
}

/** `Bun.connect` cannot bind first: libc makes, binds and connects the socket, then Bun takes its fd. */
async function connectBound(host: string, port: number, options: BackendConnectTcpOptions): Promise<BunStreamTransport> {
  const { fd, ...names } = await connectBoundTcpFd(getBunFfiBinder(), host, port, options);
  try {
    // Again once Bun has the fd: Bun.connect({ fd }) turns TCP_NODELAY on by itself.
    return await streamFromFd(fd, { ...names, tcpOptions: newSocketTcpOptions(options.tcpOptions) });
  } catch (error) {
    getBunFfiBinder().close(fd);
    throw error;
  }
}
