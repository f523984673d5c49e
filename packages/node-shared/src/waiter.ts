/**
 * Helpers for pending operations, core's `Deferred` (from `@portio/core/backend`) settled later
 * by a socket event or by `close()`. The transports keep one per kind of operation instead of
 * adding and removing event listeners on every call, and `close()` can reject it at once (the
 * transport contract) instead of waiting for the runtime to cancel the operation.
 * @module
 */

import type { Deferred } from "@portio/core/backend";

const ignore = (): void => {};

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
export function rejectHandled(pending: Deferred<unknown>, error: unknown): void {
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
