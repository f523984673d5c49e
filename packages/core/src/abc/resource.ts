import type { TypedAttribute, TypedAttributeMap } from "../typed-attributes.ts";

/** Options accepted by every call that can block. An abort rejects with `signal.reason` and loses no data. */
export interface CallOptions {
  /** Aborts the call: it rejects with `signal.reason`, and no data is lost. */
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
  /** Closes the resource; idempotent. Streams first flush what `send()` accepted (bounded by a timeout). */
  aclose(): Promise<void>;
  /** Closes it when an `await using` block ends: the same as `aclose()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Read access to typed attributes (see {@link TypedAttributeProvider}). */
export interface TypedAttributeReader {
  /** Every attribute it provides, by attribute. */
  readonly extraAttributes: TypedAttributeMap;
  /** The value of `attribute`; throws `TypedAttributeLookupError` when it is not provided. */
  extra<T>(attribute: TypedAttribute<T>): T;
  /** The value of `attribute`, or `defaultValue` when it is not provided. */
  extra<T, D>(attribute: TypedAttribute<T>, defaultValue: D): T | D;
}
