import type { Socket, SocketConstructorOpts, TcpSocketConnectOpts } from "node:net";
import { newSocketTcpOptions, type BackendTCPOptions } from "@portio/core/backend";

/**
 * `options` (only the ones given) on a node:net socket: `setNoDelay`, and `setKeepAlive` with
 * the idle time in milliseconds, which Node and Bun turn back into TCP_KEEPIDLE seconds (and then
 * also set TCP_KEEPINTVL 1 and TCP_KEEPCNT 10).
 *
 * @example
 * ```ts
 * applyNetTcpOptions(socket, { keepAlive: true, keepAliveIdleSeconds: 60 });
 * ```
 */
export function applyNetTcpOptions(socket: Socket, options: Partial<BackendTCPOptions>): void {
  if (options.noDelay !== undefined) socket.setNoDelay(options.noDelay);
  if (options.keepAlive !== undefined) {
    if (options.keepAlive && options.keepAliveIdleSeconds !== undefined)
      socket.setKeepAlive(true, options.keepAliveIdleSeconds * 1000);
    else socket.setKeepAlive(options.keepAlive);
  }
}

/**
 * The same options as `net.connect()` / `net.createServer()` take them, for a socket that is
 * being made (no extra call after connecting). Absent options: noDelay on, keep-alive left off.
 *
 * @example
 * ```ts
 * const socket = net.connect({ host, port, allowHalfOpen: true, ...netTcpOptions(options.tcpOptions) });
 * ```
 */
export function netTcpOptions(
  options: BackendTCPOptions | undefined,
): Pick<TcpSocketConnectOpts & SocketConstructorOpts, "noDelay" | "keepAlive" | "keepAliveInitialDelay"> {
  const { noDelay, keepAlive, keepAliveIdleSeconds } = newSocketTcpOptions(options);
  if (!keepAlive) return { noDelay };
  return {
    noDelay,
    keepAlive,
    ...(keepAliveIdleSeconds !== undefined ? { keepAliveInitialDelay: keepAliveIdleSeconds * 1000 } : {}),
  };
}
