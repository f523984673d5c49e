/**
 * A tiny assertion library for the conformance cases. The cases run under vitest, `Deno.test` and
 * `bun:test` alike, so they cannot use any runner's `expect`; these helpers throw a plain
 * {@link AssertionError} that every runner reports as a failure.
 *
 * @example
 * ```ts
 * import { bytesEqual, equal, rejects } from "@portio/testkit";
 * equal(stream.extra(SocketAttribute.family), "inet");
 * bytesEqual(await stream.receive(), "halb");
 * const error = await rejects(stream.receive(0), RangeError, "maxBytes must be a positive integer");
 * ```
 * @module
 */

/** Thrown by every assertion here when it does not hold. */
export class AssertionError extends Error {
  /** Creates the error; `options.cause` keeps what made the check fail. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AssertionError";
  }
}

/** Any class, including abstract ones, whose instances an assertion should find. */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

const utf8 = new TextEncoder();

/** Fails unconditionally. */
export function fail(message: string, cause?: unknown): never {
  throw new AssertionError(message, cause === undefined ? undefined : { cause });
}

/** Asserts that `value` is truthy. */
export function ok(value: unknown, message = "expected a truthy value"): asserts value {
  if (!value) fail(`${message} (got ${describe(value)})`);
}

/** Asserts `Object.is(actual, expected)`. */
export function equal<T>(actual: unknown, expected: T, message = "values differ"): asserts actual is T {
  if (!Object.is(actual, expected)) fail(`${message}: expected ${describe(expected)}, got ${describe(actual)}`);
}

/** Asserts `!Object.is(actual, unexpected)`. */
export function notEqual(actual: unknown, unexpected: unknown, message = "values should differ"): void {
  if (Object.is(actual, unexpected)) fail(`${message}: got ${describe(actual)}`);
}

/**
 * Asserts structural equality: primitives by `Object.is`, arrays and typed arrays element-wise
 * (so a `Uint8Array` equals another with the same bytes), plain objects key by key.
 */
export function deepEqual(actual: unknown, expected: unknown, message = "values differ"): void {
  const difference = findDifference(actual, expected, "");
  if (difference !== undefined) fail(`${message}: ${difference}`);
}

/**
 * Asserts that `actual` is a `Uint8Array` holding exactly `expected` (a string means its UTF-8
 * bytes). On a mismatch the message gives the lengths and the first differing offset rather than
 * dumping megabytes.
 */
export function bytesEqual(actual: unknown, expected: Uint8Array | string, message = "bytes differ"): void {
  const want = typeof expected === "string" ? utf8.encode(expected) : expected;
  if (!(actual instanceof Uint8Array)) fail(`${message}: expected a Uint8Array, got ${describe(actual)}`);
  const difference = findDifference(actual, want, "");
  if (difference !== undefined) fail(`${message}: ${difference}`);
}

/** Asserts `value instanceof Class` and narrows its type. */
export function instanceOf<T>(value: unknown, Class: ErrorClass<T>, message?: string): asserts value is T {
  if (!(value instanceof Class)) {
    fail(`${message ?? "wrong type"}: expected an instance of ${Class.name}, got ${describe(value)}`, value);
  }
}

/** Asserts that `text` matches `pattern` (a string must occur in it). */
export function match(text: unknown, pattern: RegExp | string, message = "text does not match"): void {
  const found = typeof text === "string" && (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
  if (!found) fail(`${message}: expected ${describe(text)} to match ${describe(pattern)}`);
}

/** Asserts `actual <= limit`. */
export function atMost(actual: number, limit: number, message = "value too large"): void {
  if (!(actual <= limit)) fail(`${message}: expected at most ${limit}, got ${actual}`);
}

/** Asserts `actual >= limit`. */
export function atLeast(actual: number, limit: number, message = "value too small"): void {
  if (!(actual >= limit)) fail(`${message}: expected at least ${limit}, got ${actual}`);
}

/**
 * Asserts that `action` (a promise, or a function returning one or throwing synchronously)
 * rejects with an instance of `Class` whose message matches `pattern`, and returns that error
 * for further checks.
 *
 * Pass the promise itself when it must be observed before something else happens (for example a
 * pending `receive()` that a later `aclose()` wakes): the rejection handler is attached at once,
 * so the runtime never reports it as unhandled.
 *
 * @example
 * ```ts
 * const pending = rejects(stream.receive(), ClosedResourceError);
 * await stream.aclose();
 * await pending;
 * ```
 */
export async function rejects<E>(
  action: Promise<unknown> | (() => unknown),
  Class: ErrorClass<E>,
  pattern?: RegExp | string,
  message = "expected a rejection",
): Promise<E> {
  let outcome: { value: unknown } | { error: unknown };
  try {
    outcome = { value: await (typeof action === "function" ? action() : action) };
  } catch (error) {
    outcome = { error };
  }
  if ("value" in outcome) fail(`${message}: expected ${Class.name}, but it resolved with ${describe(outcome.value)}`);
  checkError(outcome.error, Class, pattern, message);
  return outcome.error as E;
}

/** Synchronous twin of {@link rejects}: `fn()` must throw an instance of `Class`. */
export function throws<E>(fn: () => unknown, Class: ErrorClass<E>, pattern?: RegExp | string, message = "expected a throw"): E {
  let returned: unknown;
  try {
    returned = fn();
  } catch (error) {
    checkError(error, Class, pattern, message);
    return error as E;
  }
  fail(`${message}: expected ${Class.name}, but it returned ${describe(returned)}`);
}

function checkError(error: unknown, Class: ErrorClass<unknown>, pattern: RegExp | string | undefined, message: string): void {
  if (!(error instanceof Class)) fail(`${message}: expected ${Class.name}, got ${describe(error)}`, error);
  if (pattern !== undefined) {
    const text = (error as { message?: unknown }).message;
    const found = typeof text === "string" && (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
    if (!found) fail(`${message}: ${Class.name} message ${describe(text)} does not match ${describe(pattern)}`, error);
  }
}

/** A short, readable rendering of any value for failure messages. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join(" ");
    return `Uint8Array(${value.byteLength})[${head}${value.byteLength > 16 ? " …" : ""}]`;
  }
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${code === undefined ? "" : `(${String(code)})`}: ${value.message}`;
  }
  if (typeof value === "string") return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `[function ${value.name || "anonymous"}]`;
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(describe).join(", ")}${value.length > 8 ? ", …" : ""}]`;
  if (typeof value === "object" && value !== null) {
    const name = value.constructor?.name;
    if (name !== undefined && name !== "Object") return `[object ${name}]`;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function findDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  const at = path === "" ? "" : ` at ${path}`;
  if (Object.is(actual, expected)) return undefined;
  if (ArrayBuffer.isView(expected) && !(expected instanceof DataView)) {
    const want = expected as unknown as ArrayLike<number | bigint>;
    if (!ArrayBuffer.isView(actual) || actual.constructor !== expected.constructor) {
      return `expected ${describe(expected)}${at}, got ${describe(actual)}`;
    }
    const got = actual as unknown as ArrayLike<number | bigint>;
    const shared = Math.min(got.length, want.length);
    for (let i = 0; i < shared; i++) {
      if (got[i] !== want[i]) {
        return `first difference${at} at offset ${i} of ${want.length} expected (got ${got.length}): ${String(got[i])} instead of ${String(want[i])}`;
      }
    }
    if (got.length !== want.length) return `length${at} is ${got.length}, expected ${want.length} (the first ${shared} agree)`;
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `expected an array${at}, got ${describe(actual)}`;
    if (actual.length !== expected.length) {
      return `array length${at} is ${actual.length}, expected ${expected.length}: got ${describe(actual)}, expected ${describe(expected)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const difference = findDifference(actual[i], expected[i], `${path}[${i}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return `expected an object${at}, got ${describe(actual)}`;
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const key of keys) {
      const difference = findDifference(actual[key], expected[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return `expected ${describe(expected)}${at}, got ${describe(actual)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
