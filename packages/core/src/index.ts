/**
 * `@portio/core`: portio's runtime-free half. Interfaces, errors, typed attributes, stream
 * utilities, socket classes and the public API, which dispatches to the registered backend.
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio"; // registers the backend for this runtime
 * const stream = await connectTcp("example.com", 80);
 * ```
 *
 * This entry is the application API. What backends need (the backend interface, transports,
 * accept and datagram queues, serve helpers) is at `@portio/core/backend`.
 * @module
 */

// errors, attributes, addresses
export * from "./errors.js";
export * from "./typed-attributes.js";
export * from "./socket-attributes.js";
export type { AddressFamily, IPSocketAddress, UNIXSocketAddress, SocketAddress } from "./addresses.js";
export { UNIX_PATH_MAX_BYTES } from "./addresses.js";

// interfaces
export type * from "./abc/resource.js";
export type * from "./abc/streams.js";
export * from "./resource-base.js";

// backend registry (the backend interface and its plumbing: "@portio/core/backend")
export type { AdoptionSource } from "./backend/backend.js";
export * from "./backend/registry.js";

// concurrency
export * from "./task-group.js";

// stream utilities (streams/)
export { BufferedByteReceiveStream, BufferedByteStream } from "./streams/buffered.js";
export * from "./streams/text.js";
export * from "./streams/stapled.js";
export * from "./streams/memory.js";
export * from "./streams/web.js";
export * from "./multi-listener.js";

// sockets (sockets/)
export { SocketStream, type CloseOptions } from "./sockets/socket-stream.js";
export * from "./sockets/unix-socket-stream.js";
export * from "./sockets/socket-listener.js";
export { getaddrinfo, getnameinfo, type AddressInfo } from "./sockets/getaddrinfo.js";
export { connectTcp, type ConnectTcpOptions } from "./sockets/connect-tcp.js";
export type { TCPKeepAlive, TCPSocketOptions } from "./sockets/tcp-options.js";
export * from "./sockets/create-tcp-listener.js";
export * from "./sockets/unix.js";
export {
  UDPSocket,
  ConnectedUDPSocket,
  UNIXDatagramSocket,
  ConnectedUNIXDatagramSocket,
  type UDPPacket,
  type UNIXDatagramPacket,
} from "./sockets/datagram-sockets.js";
export * from "./sockets/udp.js";
export * from "./sockets/unix-datagram.js";
export * from "./sockets/socketpair.js";
export * from "./sockets/handoff.js";
export * from "./sockets/socket-sharing.js";

// adopting existing sockets (adoption/)
export * from "./adoption/index.js";

// TLS (tls/)
export * from "./tls/tls-options.js";
export * from "./tls/tls-attributes.js";
export { TLSStream, type TLSWrapOptions } from "./tls/tls-stream.js";
export * from "./tls/tls-listener.js";
