/**
 * Adopting existing sockets: fds or runtime socket objects created elsewhere (systemd, a parent
 * process, `socketpair()`, other libraries) become portio streams, listeners and datagram
 * sockets after validation in AnyIO's order. See docs/adopting-sockets.md.
 *
 * @module
 */

export type { SocketInfo, SocketState, SocketType } from "./socket-info.ts";
export type { SocketLike } from "./validate.ts";
export type { AdoptionTLSOption } from "./tls.ts";
export { inspectSocket } from "./inspect-socket.ts";
export { wrapClientSocket, type ClientSocket, type WrapClientSocketOptions } from "./wrap-client-socket.ts";
export { wrapServerSocket, type ServerSocket, type WrapServerSocketOptions } from "./wrap-server-socket.ts";
export { listenFds, SD_LISTEN_FDS_START, type ListenFd, type ListenFdsOptions } from "./listen-fds.ts";
