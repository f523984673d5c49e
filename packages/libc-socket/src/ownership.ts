/**
 * The ownership rule of adoption: if handing an fd to the runtime fails, the fd is left as the
 * caller gave it — open, and in its original blocking mode (runtimes set O_NONBLOCK as soon as
 * they open an fd, and that flag lives in the open file description, which the caller's process
 * shares).
 *
 * @module
 */

import type { LibcBinder } from "./binder.ts";
import { fcntl } from "./calls.ts";
import { constantsFor } from "./constants.ts";

/**
 * Runs `adopt`; if it throws or rejects, puts O_NONBLOCK of `fd` back the way it was before (when
 * the fd is still open) and rethrows. On success the fd is made close-on-exec: it now belongs to
 * the adopted socket, and a child process started later must not inherit it by accident (an fd
 * meant for a child is handed over explicitly, e.g. with `sendFds` or the child's stdio).
 *
 * @example
 * ```ts
 * const transport = await restoringOnFailure(binder, fd, () => new net.Socket({ fd }));
 * ```
 */
export async function restoringOnFailure<T>(binder: LibcBinder, fd: number, adopt: () => T | Promise<T>): Promise<T> {
  const C = constantsFor(binder.platform);
  const before = fcntl(binder, fd, C.F_GETFL, 0) & C.O_NONBLOCK;
  let adopted: T;
  try {
    adopted = await adopt();
  } catch (error) {
    const flags = binder.fcntl(fd, C.F_GETFL, 0);
    if (flags !== -1 && (flags & C.O_NONBLOCK) !== before) binder.fcntl(fd, C.F_SETFL, (flags & ~C.O_NONBLOCK) | before);
    throw error;
  }
  // Best effort: a runtime that already closed its copy (it should not) leaves nothing to mark.
  const flags = binder.fcntl(fd, C.F_GETFD, 0);
  if (flags !== -1 && (flags & C.FD_CLOEXEC) === 0) binder.fcntl(fd, C.F_SETFD, flags | C.FD_CLOEXEC);
  return adopted;
}
