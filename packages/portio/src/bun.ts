/**
 * `portio` on Bun (export condition `"bun"`): registers `@portio/bun` as the backend, then
 * re-exports the whole public API of `@portio/core`.
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio";
 * const stream = await connectTcp("127.0.0.1", 8080);
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { bunBackend } from "@portio/bun";

setBackend(bunBackend);

export * from "@portio/core";
