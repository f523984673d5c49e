/**
 * Adopting existing sockets: fds or runtime socket objects created elsewhere (systemd, a parent
 * process, `socketpair()`, other libraries) become portio streams, listeners and datagram
 * sockets after validation in AnyIO's order. See docs/adopting-sockets.md.
 *
 * @module
 */

export type { SocketInfo, SocketState, SocketType } from "./socket-info.js";
export type { SocketLike } from "./validate.js";
export type { AdoptionTLSOption } from "./tls.js";
export { inspectSocket } from "./inspect-socket.js";
export { wrapClientSocket, type ClientSocket, type WrapClientSocketOptions } from "./wrap-client-socket.js";
export { wrapServerSocket, type ServerSocket, type WrapServerSocketOptions } from "./wrap-server-socket.js";
export { listenFds, SD_LISTEN_FDS_START, type ListenFd, type ListenFdsOptions } from "./listen-fds.js";
