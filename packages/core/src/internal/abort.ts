/** Internal helpers for AbortSignal handling; not part of the public API. */

/**
 * Throws a `TypeError` unless `signal` is `undefined` or an AbortSignal. Every call that takes a
 * signal runs this before it touches its resource, so a wrong value cannot break a stream midway
 * (an AbortSignal from another realm or a polyfill passes: it is checked by shape).
 */
export function checkSignal(signal: unknown, name = "signal"): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;
  // Spelled out rather than hasMethods(): it runs on every accept of serve() (no rest array).
  const shape = signal as { addEventListener?: unknown; removeEventListener?: unknown; aborted?: unknown } | null;
  if (
    typeof shape !== "object" ||
    shape === null ||
    typeof shape.addEventListener !== "function" ||
    typeof shape.removeEventListener !== "function" ||
    typeof shape.aborted !== "boolean"
  ) {
    throw new TypeError(`${name} must be an AbortSignal or undefined, got ${describeValue(signal)}`);
  }
}

/**
 * Checks a call's options bag: `undefined` or an object whose `signal` passes {@link checkSignal}.
 * Returns it (`{}` for `undefined`) so that callers can read it without `?.`.
 */
export function checkCallOptions<T extends { signal?: AbortSignal }>(options: T | undefined, name = "options"): T {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${name} must be an object or undefined, got ${describeValue(options)}`);
  }
  checkSignal(options.signal, `${name}.signal`);
  return options;
}

/** Whether `value` is an object with a function under each of `methods` (a check by shape). */
export function hasMethods(value: unknown, ...methods: string[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  return methods.every((method) => typeof (value as Record<string, unknown>)[method] === "function");
}

/** A short description of a wrong argument for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object" || typeof value === "function")
    return `a${/^[aeiou]/i.test(typeof value) ? "n" : ""} ${typeof value}`;
  return `${typeof value} ${String(value)}`;
}

/** Rejects with `signal.reason` if the signal is already aborted; a non-signal is a `TypeError`. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  checkSignal(signal);
  if (signal?.aborted) throw signal.reason;
}

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as the signal aborts. The
 * promise itself keeps running: callers that must not lose its result keep a reference to it.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * {@link raceAbort} for an owner that races one promise at a time, mostly against the same signal
 * call after call — `serve()` hands its task group's signal to every `accept()`. The abort
 * listener stays on that signal between calls instead of being added and removed on each (on
 * Node, two EventTarget calls that cost more than the rest of an accept). The owner calls
 * {@link release} when it closes, so that a long-lived signal does not keep it reachable.
 *
 * @example
 * ```ts
 * readonly #acceptRace = new AbortRace();
 * const accepted = await this.#acceptRace.race(this.transport.accept(), options?.signal);
 * ```
 */
export class AbortRace {
  #signal: AbortSignal | undefined;
  /** Rejects the promise of the race running now, if any. */
  #reject: ((reason: unknown) => void) | undefined;
  readonly #onAbort = (): void => {
    const reject = this.#reject;
    this.#reject = undefined;
    reject?.(this.#signal?.reason);
  };

  /** Waits for `promise`, or rejects with `signal.reason` once it aborts; `promise` keeps running. */
  race<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal === undefined) return promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    if (signal !== this.#signal) {
      this.release();
      this.#signal = signal;
      // Once: an aborted signal is answered by the check above from then on.
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    const race = deferred<T>();
    // Left in place once the race is over (no settle closures per race): rejecting a settled
    // promise does nothing, and the next race replaces it.
    this.#reject = race.reject;
    promise.then(race.resolve, race.reject);
    return race.promise;
  }

  /** Takes the abort listener off the signal of the last race. */
  release(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#signal = undefined;
    this.#reject = undefined;
  }
}

/**
 * A promise with its settle functions exposed: a pending operation settled later by an event or
 * by `close()`, or a signal handed from one task to another. (`Promise.withResolvers` where every
 * supported runtime has it; Node 20 does not.)
 */
export interface Deferred<T> {
  /** Settles when {@link resolve} or {@link reject} is called. */
  readonly promise: Promise<T>;
  /** Fulfils {@link promise} with `value`. */
  resolve(value: T): void;
  /** Rejects {@link promise} with `error`. */
  reject(error: unknown): void;
}

/**
 * Creates a {@link Deferred}.
 *
 * @example
 * ```ts
 * const ready = deferred();
 * queueMicrotask(() => ready.resolve());
 * await ready.promise;
 * ```
 */
export function deferred<T = void>(): Deferred<T> {
  const promise = pendingPromise<T>();
  return { promise, resolve: capturedResolve as (value: T) => void, reject: capturedReject! };
}

/**
 * A new pending promise whose settle functions are left in {@link capturedResolve} and
 * {@link capturedReject} until the next call: for a caller that keeps them in fields of its own
 * rather than in a {@link Deferred} object (one object less per call on a hot path).
 */
export function pendingPromise<T>(): Promise<T> {
  return new Promise<T>(captureSettlers);
}

// The settle functions of the promise being made, handed out of its executor. One executor for
// every promise rather than a closure each: the Promise constructor runs it at once, so two
// calls cannot interleave, and a promise is made per read, per accept and per wait.
/** The resolve function of the promise {@link pendingPromise} made last. */
export let capturedResolve: ((value: never) => void) | undefined;
/** The reject function of the promise {@link pendingPromise} made last. */
export let capturedReject: ((error: unknown) => void) | undefined;
function captureSettlers(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A promise rejected on purpose that must not report as unhandled. */
export function silenced<T>(promise: Promise<T>): Promise<T> {
  promise.catch(ignoreRejection);
  return promise;
}

function ignoreRejection(): void {}

/** Validates a `maxBytes` argument the way every receive does. */
export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError("maxBytes must be a positive integer");
  }
}
