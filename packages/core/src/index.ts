/**
 * `@portio/core`: portio's runtime-free half. Interfaces, errors, typed attributes, stream
 * utilities, socket classes and the public API, which dispatches to the registered backend.
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio"; // registers the backend for this runtime
 * const stream = await connectTcp("example.com", 80);
 * ```
 * @module
 */

// errors, attributes, addresses
export * from "./errors.js";
export * from "./typed-attributes.js";
export * from "./socket-attributes.js";
export * from "./addresses.js";

// interfaces
export type * from "./abc/resource.js";
export type * from "./abc/streams.js";

// backend registry and backend interface
export type * from "./backend/backend.js";
export type * from "./backend/transports.js";
export * from "./backend/registry.js";

// concurrency
export * from "./resource-guard.js";
export * from "./task-group.js";

// stream utilities (streams/)
export * from "./streams/buffered.js";
export * from "./streams/text.js";
export * from "./streams/stapled.js";
export * from "./streams/memory.js";
export * from "./multi-listener.js";

// sockets (sockets/)
export * from "./sockets/socket-stream.js";
export * from "./sockets/unix-socket-stream.js";
export * from "./sockets/socket-listener.js";
export * from "./sockets/serve.js";
export * from "./sockets/getaddrinfo.js";
export * from "./sockets/connect-tcp.js";
export * from "./sockets/create-tcp-listener.js";
export * from "./sockets/unix.js";
export * from "./sockets/datagram-sockets.js";
export * from "./sockets/udp.js";
export * from "./sockets/unix-datagram.js";
export * from "./sockets/socketpair.js";
export * from "./sockets/handoff.js";
export * from "./sockets/socket-sharing.js";
export * from "./backend/datagram-queue.js";
export * from "./backend/accept-queue.js";

// adopting existing sockets (adoption/)
export * from "./adoption/index.js";

// TLS (tls/)
export * from "./tls/tls-options.js";
export type * from "./tls/tls-transport.js";
export * from "./tls/tls-attributes.js";
export * from "./tls/tls-stream.js";
export * from "./tls/tls-listener.js";
export * from "./tls/apply-tls.js";
