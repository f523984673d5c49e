import type { AsyncResource, CallOptions } from "../abc/resource.js";
import type { HandlerContext, ServeOptions } from "../abc/streams.js";
import { TaskGroup } from "../task-group.js";

/**
 * The serve loop every listener shares: accept, run `handler` concurrently in a task group, close
 * each stream when its handler settles, contain handler failures through `onError`, and stop
 * cleanly on abort. See `Listener.serve` in docs/design.md "Concurrency and serving".
 *
 * @example
 * ```ts
 * await serveConnections((opts) => listener.accept(opts), handler, { signal });
 * ```
 */
export async function serveConnections<T extends AsyncResource>(
  accept: (options: CallOptions) => Promise<T>,
  handler: (stream: T, context: HandlerContext) => void | Promise<void>,
  options: ServeOptions<T> = {},
): Promise<void> {
  const onError = options.onError ?? reportHandlerError;
  const group = new TaskGroup(options.signal ? { signal: options.signal } : {});
  let acceptFailure: { error: unknown } | undefined;
  try {
    for (;;) {
      let stream: T;
      try {
        stream = await accept({ signal: group.signal });
      } catch (error) {
        if (group.signal.aborted && error === group.signal.reason) break;
        throw error;
      }
      group.start(async (signal) => {
        try {
          await handler(stream, { signal });
        } catch (error) {
          await stream.aclose();
          // A handler that ends because serving stopped is not a failure.
          if (signal.aborted) return;
          await onError(error, stream);
        } finally {
          await stream.aclose();
        }
      });
    }
  } catch (error) {
    acceptFailure = { error };
    group.cancel(error);
  }
  // Handlers are always waited for, so that no connection outlives serve().
  await group.wait();
  if (acceptFailure) throw acceptFailure.error;
}

function reportHandlerError(error: unknown): void {
  console.error("portio: a connection handler failed:", error);
}
