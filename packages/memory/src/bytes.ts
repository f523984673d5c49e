/**
 * A copy of `bytes` the network owns, as a kernel copies what it is given. Not `bytes.slice()`: on
 * a Node `Buffer` (Node, Bun, Deno's `node:buffer`) `slice()` is a view of the same memory, so a
 * sender that reuses its buffer would change bytes already sent. The constructor also spares V8
 * `slice()`'s zero-fill: `slice()` allocates zeroed memory and copies over it, the constructor
 * allocates without zeroing (the copy fills it all).
 */
export function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
