import type { UDPSocket, UNIXDatagramSocket } from "../sockets/datagram-sockets.ts";
import type { TLSListener } from "../tls/tls-listener.ts";
import type { SocketListener, UNIXSocketListener } from "../sockets/socket-listener.ts";
import { refuse } from "./errors.ts";
import { openListener, openUdp, openUnixDatagram } from "./from-socket.ts";
import { applyServerTls, checkTlsOption, wantsTls, type AdoptionTLSOption } from "./tls.ts";
import { inspectArgument, type SocketLike } from "./validate.ts";

/** Options of {@link wrapServerSocket}. */
export interface WrapServerSocketOptions {
  /** Serve TLS (server side; give `cert` and `key`): a stream listener comes back as a `TLSListener`. */
  tls?: AdoptionTLSOption;
}

/** What {@link wrapServerSocket} can return. */
export type ServerSocket = SocketListener | UNIXSocketListener | UDPSocket | UNIXDatagramSocket | TLSListener;

/**
 * Adopts a server socket, choosing the class from what it is: a listening (or bound, not yet
 * listening: it starts listening) TCP socket gives a `SocketListener`, a Unix one a
 * `UNIXSocketListener`; a bound UDP socket gives a `UDPSocket`, a Unix datagram socket a
 * `UNIXDatagramSocket`.
 *
 * Refused with `InvalidSocketError`: a connected socket (`CONNECTED`: use
 * {@link wrapClientSocket}), an unbound stream or UDP socket (`NOT_BOUND`), an fd that is not a
 * socket (`ENOTSOCK`) or not open (`EBADF`). On failure the fd stays open, unchanged and yours;
 * on success the returned object owns it.
 *
 * @example
 * ```ts
 * // a parent (or systemd) passed a listening socket as fd 3
 * const listener = await wrapServerSocket(3);
 * if (listener instanceof SocketListener) await listener.serve(async (stream) => {
 *   for await (const chunk of stream) await stream.send(chunk);
 * });
 * ```
 */
export async function wrapServerSocket(socket: SocketLike, options: WrapServerSocketOptions = {}): Promise<ServerSocket> {
  const { tls } = options;
  const inspected = await inspectArgument(socket);
  const { info } = inspected;
  if (info.state === "connected" || info.state === "connecting") throw refuse.connected(info);
  if (info.type === "stream") {
    if (info.state === "unbound") throw refuse.notBound(info);
    // Before adopting, so that options that cannot work leave the fd the caller's.
    checkTlsOption(tls, "server");
    const listener = await openListener(inspected);
    return wantsTls(tls) ? applyServerTls(listener, tls!) : listener;
  }
  if (wantsTls(tls)) throw refuse.type("stream", info.type, " (TLS needs a stream socket)");
  if (info.family === "unix") return openUnixDatagram(inspected);
  if (info.state === "unbound") throw refuse.notBound(info);
  return openUdp(inspected);
}
