/**
 * The ownership rule of adoption: if handing an fd to Node fails, the fd must be left as the
 * caller gave it — open, and in its original blocking mode (libuv sets O_NONBLOCK as soon as it
 * opens an fd, and that flag lives in the open file description, which the caller's process
 * shares).
 *
 * @module
 */

import { constantsFor, fcntl } from "@portio/libc-socket";
import { getKoffiBinder } from "./libc-binder.js";

/**
 * Runs `adopt`; if it throws or rejects, puts O_NONBLOCK of `fd` back the way it was before (when
 * the fd is still open) and rethrows.
 *
 * @example
 * ```ts
 * const transport = await restoringOnFailure(fd, () => openWithNode(fd));
 * ```
 */
export async function restoringOnFailure<T>(fd: number, adopt: () => T | Promise<T>): Promise<T> {
  const binder = getKoffiBinder();
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
