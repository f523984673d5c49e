/**
 * A pending operation whose promise is settled later by a socket event or by `close()`. The
 * transports keep one per kind of operation instead of adding and removing event listeners on
 * every call, and `close()` can reject it at once (the transport contract) instead of waiting for
 * the runtime to cancel the operation.
 * @module
 */

/** A pending operation: its promise and the functions that settle it. */
export interface Waiter<T> {
  /** Settles when the operation does. */
  promise: Promise<T>;
  /** Completes the operation with `value`. */
  resolve(value: T): void;
  /** Fails the operation with `error`. */
  reject(error: unknown): void;
}

const ignore = (): void => {};

/**
 * Creates a {@link Waiter}.
 *
 * @example
 * ```ts
 * this.#reader = waiter<Uint8Array | null>();
 * return this.#reader.promise; // settled by the next 'readable' event
 * ```
 */
export function waiter<T>(): Waiter<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Rejects a waiter's promise, first marking it handled: a caller that stopped waiting (core
 * abandons a pending read on close) must not turn into an unhandled rejection, while a caller
 * still awaiting it sees the error all the same.
 *
 * @example
 * ```ts
 * rejectHandled(reader, socketClosedError());
 * ```
 */
export function rejectHandled(pending: Waiter<unknown>, error: unknown): void {
  pending.promise.catch(ignore);
  pending.reject(error);
}

/**
 * Settles when `op` does, never rejecting: for waiting until the runtime has let go of a resource.
 *
 * @example
 * ```ts
 * await Promise.all([settled(this.#readOp), settled(this.#writeOp)]);
 * ```
 */
export function settled(op: Promise<unknown> | undefined): Promise<void> {
  return op === undefined ? Promise.resolve() : op.then(ignore, ignore);
}
