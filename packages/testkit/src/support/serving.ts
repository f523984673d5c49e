import type { HandlerContext, Listener, ServeOptions } from "@portio/core";
import type { CaseContext } from "../context.ts";

/** A `serve()` running in the background of a case. */
export interface Serving {
  /** Settles when `serve()` does. Observed by the cleanup, so a rejection is never unhandled. */
  readonly finished: Promise<void>;
  /** Aborts the serve signal and waits for `serve()` to settle (rejects if it rejected). */
  stop(): Promise<void>;
}

/**
 * Starts `listener.serve(handler)` with a signal the case controls; after the case it is stopped
 * and awaited (before the listener is closed, since cleanups run last-registered first).
 */
export function startServing<T>(
  t: CaseContext,
  listener: Listener<T>,
  handler: (stream: T, context: HandlerContext) => void | Promise<void>,
  options: Omit<ServeOptions<T>, "signal"> = {},
): Serving {
  const controller = new AbortController();
  const finished = listener.serve(handler, { ...options, signal: controller.signal });
  finished.catch(() => {});
  t.defer(async () => {
    controller.abort();
    await finished.catch(() => {});
  });
  return {
    finished,
    async stop() {
      controller.abort();
      await finished;
    },
  };
}
