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
  await getReactor(binder).waitWritable(fd, options.signal === undefined ? {} : { signal: options.signal });
  const C = constantsFor(binder.platform);
  const error = getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_ERROR);
  if (error !== 0) throw systemError(binder.platform, error, "connect");
}
