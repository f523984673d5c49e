import type { LibcBinder } from "./binder.ts";
import { getsockoptInt } from "./calls.ts";
import { constantsFor } from "./constants.ts";
import { systemError } from "./errno.ts";
import { getReactor } from "./reactor.ts";

/**
 * Waits for the non-blocking connect in progress on `fd` to finish: writability, after which
 * SO_ERROR holds the outcome (reading it clears it, so the runtime must not be watching the fd).
 * Rejects with the connect's {@link SystemError}, or with `signal.reason` when it aborts.
 *
 * @example
 * ```ts
 * if (inspectSocket(binder, fd).state === "connecting") await waitForConnect(binder, fd, { signal });
 * ```
 */
export async function waitForConnect(binder: LibcBinder, fd: number, options: { signal?: AbortSignal }): Promise<void> {
  const reactor = getReactor(binder);
  try {
    await reactor.waitWritable(fd, options.signal === undefined ? {} : { signal: options.signal });
  } finally {
    // The fd leaves the reactor's hands now (to the runtime, or closed on failure), even one a
    // LibcSocket still holds: as before a close, nothing of the reactor's may watch it any more
    // (on Node, a uv_poll watcher left on it makes node:net's open of the fd fail with EEXIST).
    await reactor.notifyClosing(fd);
  }
  const C = constantsFor(binder.platform);
  const error = getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_ERROR);
  if (error !== 0) throw systemError(binder.platform, error, "connect");
}
