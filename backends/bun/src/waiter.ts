/**
 * A pending operation whose promise is settled later by a socket event. The transports keep one
 * per kind of operation instead of adding and removing event listeners on every call.
 * @module
 */

/** A pending operation: its promise and the functions that settle it. */
export interface Waiter<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Waiter}. */
export function waiter<T>(): Waiter<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const ignore = (): void => {};

/**
 * Rejects a waiter's promise, first marking it handled: a caller that stopped waiting (core
 * abandons a pending read on close) must not turn into an unhandled rejection, while a caller
 * still awaiting it sees the error all the same.
 */
export function rejectHandled(pending: Waiter<unknown>, error: unknown): void {
  pending.promise.catch(ignore);
  pending.reject(error);
}
