/**
 * `portio` on Node.js (export conditions `"node"` and `"default"`): registers `@portio/node` as
 * the backend, then re-exports the whole public API of `@portio/core`.
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio";
 * const stream = await connectTcp("127.0.0.1", 8080);
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";

setBackend(nodeBackend);

export * from "@portio/core";
