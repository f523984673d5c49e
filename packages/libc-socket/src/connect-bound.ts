import type { SocketAddress } from "@portio/core";
import { newSocketTcpOptions, type BackendTCPOptions } from "@portio/core/backend";
import type { LibcBinder } from "./binder.ts";
import { constantsFor } from "./constants.ts";
import { setsockoptInt } from "./calls.ts";
import { LibcSocket } from "./socket.ts";

/** A TCP connection made by {@link connectBoundTcpFd}: its fd, now the caller's, and its names. */
export interface BoundTcpConnection {
  /** The connected socket's fd, non-blocking; the caller owns it. */
  fd: number;
  /** The connection's address family. */
  family: "inet" | "inet6";
  /** The address the socket was bound to (the port the kernel gave, if 0 was asked for). */
  localAddress: SocketAddress;
  /** The peer's address. */
  remoteAddress: SocketAddress;
}

/**
 * Connects to numeric `host`:`port` from `localHost`:`localPort` (either may be left out: the
 * family's any-address, or a free port), with `tcpOptions` set (TCP_NODELAY by default), for runtimes whose connect call
 * cannot bind first. The connect waits on the libc reactor, so an abort cancels it and releases
 * the fd at once. The returned fd is non-blocking and the caller's to stream (or close).
 *
 * @example
 * ```ts
 * const { fd } = await connectBoundTcpFd(binder, "127.0.0.1", 8080, { localHost: "127.0.0.1", localPort: 40000 });
 * ```
 */
export async function connectBoundTcpFd(
  binder: LibcBinder,
  host: string,
  port: number,
  options: {
    localHost?: string | undefined;
    localPort?: number | undefined;
    signal?: AbortSignal | undefined;
    tcpOptions?: BackendTCPOptions | undefined;
  },
): Promise<BoundTcpConnection> {
  const family = host.includes(":") ? "inet6" : "inet";
  const C = constantsFor(binder.platform);
  const socket = LibcSocket.create(binder, family, "stream");
  try {
    // As node:net and AnyIO do when binding a client: a local port in TIME_WAIT can be reused.
    socket.setsockoptInt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    socket.bind([options.localHost ?? (family === "inet6" ? "::" : "0.0.0.0"), options.localPort ?? 0]);
    await socket.connect([host, port], options.signal === undefined ? {} : { signal: options.signal });
    options.signal?.throwIfAborted();
    applyLibcTcpOptions(binder, socket.fd, newSocketTcpOptions(options.tcpOptions));
    const localAddress = socket.getsockname();
    const remoteAddress = socket.getpeername();
    return { fd: await socket.detach(), family, localAddress, remoteAddress };
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/**
 * `options` (only those given) on a TCP socket fd through setsockopt: TCP_NODELAY, SO_KEEPALIVE
 * and, with keep-alive on, TCP_KEEPIDLE. Throws the `SystemError` of a refused call.
 *
 * @example
 * ```ts
 * applyLibcTcpOptions(binder, fd, { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 60 });
 * ```
 */
export function applyLibcTcpOptions(binder: LibcBinder, fd: number, options: Partial<BackendTCPOptions>): void {
  const C = constantsFor(binder.platform);
  if (options.noDelay !== undefined) setsockoptInt(binder, fd, C.IPPROTO_TCP, C.TCP_NODELAY, options.noDelay ? 1 : 0);
  if (options.keepAlive !== undefined) {
    setsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_KEEPALIVE, options.keepAlive ? 1 : 0);
    if (options.keepAlive && options.keepAliveIdleSeconds !== undefined) {
      setsockoptInt(binder, fd, C.IPPROTO_TCP, C.TCP_KEEPIDLE, options.keepAliveIdleSeconds);
    }
  }
}
