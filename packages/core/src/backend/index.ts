/**
 * `@portio/core/backend`: what a backend (and its tests) needs beyond the application API: the
 * {@link AsyncBackend} interface, the transport interfaces a backend implements, the accept and
 * datagram queues, the serve loop, name resolution and TLS helpers. Applications import
 * `portio` (or `@portio/core`) instead. See docs/writing-a-backend.md.
 *
 * @example
 * ```ts
 * import type { AsyncBackend, StreamTransport } from "@portio/core/backend";
 * import { AcceptQueue, DatagramQueue } from "@portio/core/backend";
 * ```
 * @module
 */

export type * from "./backend.js";
export type * from "./transports.js";
export type * from "../tls/tls-transport.js";
export * from "./accept-queue.js";
export * from "./datagram-queue.js";
export * from "../resource-guard.js";
export * from "../sockets/serve.js";
export * from "../tls/apply-tls.js";
export { toUnixSocketAddress, isAbstractUnixPath } from "../addresses.js";
export { deferred, type Deferred } from "../internal/abort.js";
export { GRACEFUL_CLOSE_TIMEOUT_MS } from "../sockets/socket-stream.js";
export { resolveHost } from "../sockets/getaddrinfo.js";
export { interleaveFamilies } from "../sockets/connect-tcp.js";
export { newSocketTcpOptions } from "../sockets/tcp-options.js";
export { resolveTlsOptions } from "../tls/tls-stream.js";
// The datagram classes' shared base classes (applications use the four concrete classes).
export { DatagramSocket, ConnectedDatagramSocket } from "../sockets/datagram-sockets.js";
