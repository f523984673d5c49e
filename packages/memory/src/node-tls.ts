/**
 * `@portio/memory/node-tls`: TLS for the memory backend from node:tls (Node's, Deno's and Bun's),
 * kept out of the main entry so that `@portio/memory` itself uses web-standard APIs only.
 * @module
 */
import type { AsyncBackend } from "@portio/core/backend";
import { wrapTls } from "@portio/node-shared";

/**
 * node:tls over a memory stream (any portio byte stream): real handshakes, certificates and
 * records. Pass it as `memoryBackend(network, { tls: nodeTls })`.
 *
 * @example
 * ```ts
 * import { nodeTls } from "@portio/memory/node-tls";
 * setBackend(memoryBackend(createMemoryNetwork(), { tls: nodeTls }));
 * ```
 */
export const nodeTls: NonNullable<AsyncBackend["wrapTls"]> = (stream, options) =>
  // No native socket: the session pumps the memory stream through node:tls.
  wrapTls(stream, options, undefined, "memory");
