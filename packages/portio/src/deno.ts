/**
 * `portio` on Deno (export condition `"deno"`): registers `@portio/deno` as the backend, then
 * re-exports the whole public API of `@portio/core`. Never the Node backend here: Deno's node:net
 * is much slower than its own APIs (docs/design.md, "Performance contract").
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio"; // deno run --allow-net
 * const stream = await connectTcp("127.0.0.1", 8080);
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { denoBackend } from "@portio/deno";

setBackend(denoBackend);

export * from "@portio/core";
