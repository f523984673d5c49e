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
export * from "./errors.ts";
export * from "./typed-attributes.ts";
export * from "./socket-attributes.ts";
export type { AddressFamily, IPSocketAddress, UNIXSocketAddress, SocketAddress } from "./addresses.ts";
export { UNIX_PATH_MAX_BYTES } from "./addresses.ts";

// interfaces
export type * from "./abc/resource.ts";
export type * from "./abc/streams.ts";
export * from "./resource-base.ts";

// backend registry (the backend interface and its plumbing: "@portio/core/backend")
export type { AdoptionSource } from "./backend/backend.ts";
export * from "./backend/registry.ts";

// concurrency
export * from "./task-group.ts";

// stream utilities (streams/)
export { BufferedByteReceiveStream, BufferedByteStream } from "./streams/buffered.ts";
export * from "./streams/text.ts";
export * from "./streams/stapled.ts";
export * from "./streams/memory.ts";
export * from "./streams/web.ts";
export * from "./multi-listener.ts";

// sockets (sockets/)
export { SocketStream, type CloseOptions } from "./sockets/socket-stream.ts";
export * from "./sockets/unix-socket-stream.ts";
export * from "./sockets/socket-listener.ts";
export { getaddrinfo, getnameinfo, type AddressInfo } from "./sockets/getaddrinfo.ts";
export { connectTcp, type ConnectTcpOptions } from "./sockets/connect-tcp.ts";
export type { TCPKeepAlive, TCPSocketOptions } from "./sockets/tcp-options.ts";
export * from "./sockets/create-tcp-listener.ts";
export * from "./sockets/unix.ts";
export {
  UDPSocket,
  ConnectedUDPSocket,
  UNIXDatagramSocket,
  ConnectedUNIXDatagramSocket,
  type UDPPacket,
  type UNIXDatagramPacket,
} from "./sockets/datagram-sockets.ts";
export * from "./sockets/udp.ts";
export * from "./sockets/unix-datagram.ts";
export * from "./sockets/socketpair.ts";
export * from "./sockets/handoff.ts";
export * from "./sockets/socket-sharing.ts";

// adopting existing sockets (adoption/)
export * from "./adoption/index.ts";

// TLS (tls/)
export * from "./tls/tls-options.ts";
export * from "./tls/tls-attributes.ts";
export { TLSStream, type TLSWrapOptions } from "./tls/tls-stream.ts";
export * from "./tls/tls-listener.ts";
