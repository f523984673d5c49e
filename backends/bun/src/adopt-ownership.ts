/**
 * The ownership rule of adoption: if handing an fd to Bun fails, the fd must be left as the
 * caller gave it — open, and in its original blocking mode (Bun sets O_NONBLOCK when it takes an
 * fd, and that flag lives in the open file description, which the caller's process shares).
 *
 * @module
 */

import { constantsFor, fcntl } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.js";

/**
 * Runs `adopt`; if it throws or rejects, puts O_NONBLOCK of `fd` back the way it was (when the
 * fd is still open) and rethrows.
 *
 * @example
 * ```ts
 * const transport = await restoringOnFailure(fd, () => streamFromFd(fd, options));
 * ```
 */
export async function restoringOnFailure<T>(fd: number, adopt: () => T | Promise<T>): Promise<T> {
  const binder = getBunFfiBinder();
  const C = constantsFor(binder.platform);
  const before = fcntl(binder, fd, C.F_GETFL, 0) & C.O_NONBLOCK;
  try {
    return await adopt();
  } catch (error) {
    const flags = binder.fcntl(fd, C.F_GETFL, 0);
    if (flags !== -1 && (flags & C.O_NONBLOCK) !== before) binder.fcntl(fd, C.F_SETFL, (flags & ~C.O_NONBLOCK) | before);
    throw error;
  }
}
