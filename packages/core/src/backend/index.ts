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

export type * from "./backend.ts";
export type * from "./transports.ts";
export type * from "../tls/tls-transport.ts";
export * from "./accept-queue.ts";
export * from "./datagram-queue.ts";
export * from "./unix-socket-file.ts";
export * from "../resource-guard.ts";
export * from "../sockets/serve.ts";
export * from "../tls/apply-tls.ts";
export { toUnixSocketAddress, isAbstractUnixPath } from "../addresses.ts";
export { deferred, type Deferred } from "../internal/abort.ts";
export { CLOSED, GRACEFUL_CLOSE_TIMEOUT_MS, WRITTEN } from "../sockets/socket-stream.ts";
export { resolveHost } from "../sockets/getaddrinfo.ts";
export { interleaveFamilies } from "../sockets/connect-tcp.ts";
export { newSocketTcpOptions } from "../sockets/tcp-options.ts";
export { resolveTlsOptions } from "../tls/tls-stream.ts";
// The datagram classes' shared base classes (applications use the four concrete classes).
export { DatagramSocket, ConnectedDatagramSocket } from "../sockets/datagram-sockets.ts";
