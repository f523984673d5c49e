/**
 * `portio` on Bun (export condition `"bun"`): re-exports `@portio/core`.
 *
 * The Bun backend (`@portio/bun`, issue 7) does not exist yet, so this entry registers no
 * backend: every network call rejects with core's "No portio backend is registered" error until
 * it lands (or until you call `setBackend()` yourself). Once it exists, this file imports it and
 * calls `setBackend(bunBackend)`, exactly as `node.ts` does.
 * @module
 */
export * from "@portio/core";
