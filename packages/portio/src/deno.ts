/**
 * `portio` on Deno (export condition `"deno"`): re-exports `@portio/core`.
 *
 * The Deno backend (`@portio/deno`, issue 6) does not exist yet, so this entry registers no
 * backend: every network call rejects with core's "No portio backend is registered" error until
 * it lands (or until you call `setBackend()` yourself). Once it exists, this file imports it and
 * calls `setBackend(denoBackend)`, exactly as `node.ts` does. Never fall back to the Node backend
 * here: Deno's node:net is much slower than its own APIs (see DESIGN.md, "Performance contract").
 * @module
 */
export * from "@portio/core";
