/**
 * One pending transport call whose promise this backend settles itself, so that `close()` can
 * reject it at once (the transport contract) instead of waiting for Deno to cancel the op.
 * @module
 */

/** A pending call: its promise and the functions that settle it. */
export interface Pending<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

const ignore = (): void => {};

/** Creates a {@link Pending}. */
export function pending<T>(): Pending<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Rejects a pending call, first marking its promise handled: core may have stopped waiting for
 * it (it abandons a read on close), and that must not become an unhandled rejection.
 */
export function rejectHandled(call: Pending<unknown>, error: unknown): void {
  call.promise.catch(ignore);
  call.reject(error);
}

/** Settles when `op` does, never rejecting: for waiting until Deno has let go of a resource. */
export function settled(op: Promise<unknown> | undefined): Promise<void> {
  return op === undefined ? Promise.resolve() : op.then(ignore, ignore);
}
