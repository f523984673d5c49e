import type { TypedAttribute, TypedAttributeMap } from "../typed-attributes.js";

/** Options accepted by every call that can block. An abort rejects with `signal.reason` and loses no data. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * Something that must be closed. `aclose()` is idempotent; `await using` calls it.
 *
 * @example
 * ```ts
 * await using stream = await connectTcp("127.0.0.1", port);
 * ```
 */
export interface AsyncResource {
  aclose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Read access to typed attributes (see {@link TypedAttributeProvider}). */
export interface TypedAttributeReader {
  readonly extraAttributes: TypedAttributeMap;
  extra<T>(attribute: TypedAttribute<T>): T;
  extra<T, D>(attribute: TypedAttribute<T>, defaultValue: D): T | D;
}
