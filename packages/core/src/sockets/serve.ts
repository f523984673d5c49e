import type { AsyncResource, CallOptions } from "../abc/resource.ts";
import type { HandlerContext, ServeOptions } from "../abc/streams.ts";
import type { AcceptSink } from "../backend/transports.ts";
import { checkSignal, deferred, describeValue } from "../internal/abort.ts";
import { enterTask, failTask, leaveTask } from "../internal/task-tracking.ts";
import { TaskGroup } from "../task-group.ts";
import { CLOSED } from "./socket-stream.ts";

/**
 * The default `shutdownGraceMs` of `serve()`: 5 seconds, the same bound `aclose()` gives a flush.
 *
 * @example
 * ```ts
 * await listener.serve(handler, { signal, shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS * 2 });
 * ```
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/**
 * Checks `serve()`'s arguments before anything is accepted: a handler function, an options bag
 * whose `signal` is an AbortSignal, `onError` a function and `shutdownGraceMs` a number ≥ 0.
 *
 * @throws TypeError / RangeError naming the wrong argument
 * @example
 * ```ts
 * const options = checkServeOptions(handler, rawOptions);
 * ```
 */
export function checkServeOptions<T>(handler: unknown, options: ServeOptions<T> | undefined): ServeOptions<T> {
  if (typeof handler !== "function") throw new TypeError(`the handler must be a function, got ${describeValue(handler)}`);
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`serve() options must be an object or undefined, got ${describeValue(options)}`);
  }
  checkSignal(options.signal, "options.signal");
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw new TypeError(`options.onError must be a function or undefined, got ${describeValue(options.onError)}`);
  }
  const grace = options.shutdownGraceMs;
  if (grace !== undefined && (typeof grace !== "number" || Number.isNaN(grace) || grace < 0)) {
    throw new RangeError(
      `options.shutdownGraceMs must be a number of milliseconds ≥ 0 (or Infinity), got ${describeValue(grace)}`,
    );
  }
  return options;
}

/**
 * The serve loop every listener shares: accept, run `handler` concurrently in a task group, close
 * each stream when its handler settles, contain handler failures through `onError`, and stop
 * on abort (or when accepting fails, e.g. the listener was closed): the handlers' signals abort,
 * and the streams of handlers still running after `shutdownGraceMs` are closed, so that serve
 * ends even when a handler ignores its signal. See `Listener.serve` in docs/design.md.
 *
 * @example
 * ```ts
 * await serveConnections((opts) => listener.accept(opts), handler, { signal, shutdownGraceMs: 1_000 });
 * ```
 */
export async function serveConnections<T extends AsyncResource>(
  accept: (options: CallOptions) => Promise<T>,
  handler: (stream: T, context: HandlerContext) => void | Promise<void>,
  rawOptions?: ServeOptions<T>,
  acceptInto?: AcceptInto<T>,
): Promise<void> {
  const options = checkServeOptions(handler, rawOptions);
  const group = new TaskGroup(options.signal ? { signal: options.signal } : {});
  const serving: Serving<T> = {
    handler,
    // One context for every handler: they all get the same signal, and frozen, no handler can
    // change what another sees.
    context: Object.freeze({ signal: group.signal }),
    onError: options.onError ?? reportHandlerError,
    open: new OpenStreams<T>(),
  };
  let acceptFailure: { error: unknown } | undefined;
  const acceptOptions: CallOptions = { signal: group.signal };
  // Run at once and counted into the group, rather than group.start(): no closure and no
  // promise hops per connection; the handler's run reports its own end to the group.
  const start = (stream: T): void => {
    enterTask(group);
    void handleConnection(stream, serving.open.add(stream), serving, group);
  };
  try {
    if (acceptInto !== undefined) {
      await acceptPushed(acceptInto, start, acceptOptions, group.signal);
    } else {
      for (;;) {
        let stream: T;
        try {
          stream = await accept(acceptOptions);
        } catch (error) {
          if (group.signal.aborted && error === group.signal.reason) break;
          throw error;
        }
        start(stream);
      }
    }
  } catch (error) {
    acceptFailure = { error };
    group.cancel(error);
  }
  // Handlers are always waited for, so that no connection outlives serve(); the grace period
  // bounds the wait for those that do not end when their signal aborts.
  await shutDown(group, serving.open, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
  if (acceptFailure) throw acceptFailure.error;
}

/**
 * An accept without a promise (a listener whose transport has `acceptWith`): returns a connection
 * at hand, or `undefined` and later hands the next one (or the failure) to `sink`, exactly once.
 * Throws what `accept()` would reject with at once.
 */
export type AcceptInto<T> = (sink: AcceptSink<T>, options: CallOptions) => T | undefined;

/**
 * The accept loop over an {@link AcceptInto}: each connection starts its handler as it comes and
 * the next accept follows at once, with no promise per connection. Resolves when `signal` aborts
 * the accept; rejects with any other accept failure.
 */
function acceptPushed<T>(
  acceptInto: AcceptInto<T>,
  start: (stream: T) => void,
  options: CallOptions,
  signal: AbortSignal,
): Promise<void> {
  const ended = deferred();
  const end = (error: unknown): void => {
    if (signal.aborted && error === signal.reason) ended.resolve();
    else ended.reject(error);
  };
  // A loop, not a call from each accepted connection's sink into the next: connections already
  // queued come back at once and must not deepen the stack.
  const acceptAll = (): void => {
    for (;;) {
      let stream: T | undefined;
      try {
        stream = acceptInto(sink, options);
      } catch (error) {
        end(error);
        return;
      }
      if (stream === undefined) return;
      start(stream);
    }
  };
  const sink: AcceptSink<T> = {
    resolve(stream) {
      start(stream);
      acceptAll();
    },
    reject: end,
  };
  acceptAll();
  return ended.promise;
}

/** What every connection's handler run needs from its `serveConnections` call. */
interface Serving<T extends AsyncResource> {
  readonly handler: (stream: T, context: HandlerContext) => void | Promise<void>;
  readonly context: HandlerContext;
  readonly onError: NonNullable<ServeOptions<T>["onError"]>;
  /** The streams whose handlers still run, closed by force when the shutdown grace is over. */
  readonly open: OpenStreams<T>;
}

/**
 * The streams whose handlers still run, each in a numbered slot that {@link add} hands out and
 * {@link delete} frees for reuse: a slot is a plain number the handler's run keeps, so no object
 * is made per connection, and the arrays stay as long as the most connections served at once.
 * Not a Set: Bun's Set kept deleted streams, and with them everything their connection made,
 * reachable until a full collection (bun:jsc heapStats after 5,000 connections and two
 * young-generation collections: 15,600 functions, 7,500 arrays and 3,800 sockets left, against
 * about 500, 0 and 0 without it), which made its collections slow.
 */
class OpenStreams<T> {
  readonly #slots: (T | undefined)[] = [];
  readonly #free: number[] = [];

  /** Puts `stream` in a free slot and returns the slot's number. */
  add(stream: T): number {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
    this.#slots[slot] = stream;
    return slot;
  }

  /** Empties `slot`, which {@link add} returned; once per slot. */
  delete(slot: number): void {
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  streams(): T[] {
    return this.#slots.filter((stream): stream is T => stream !== undefined);
  }
}

/**
 * Runs the handler of one connection, then closes its stream; failures go to `onError`. Its end
 * is reported to `group` (counted in by the caller), from inside this one async function rather
 * than by a `then` on its promise; a failure of `onError` (or of the close) fails the group, as a
 * rejected task does. Never rejects.
 */
async function handleConnection<T extends AsyncResource>(
  stream: T,
  slot: number,
  serving: Serving<T>,
  group: TaskGroup,
): Promise<void> {
  try {
    try {
      await serving.handler(stream, serving.context);
    } catch (error) {
      await stream.aclose();
      // A handler that ends because serving stopped is not a failure.
      if (!serving.context.signal.aborted) await serving.onError(error, stream);
    } finally {
      serving.open.delete(slot);
      const closed = stream.aclose();
      // A close that released the fd at once (core's CLOSED, already resolved) is not awaited:
      // one suspension of this frame less per connection.
      if (closed !== CLOSED) await closed;
    }
  } catch (error) {
    failTask(group, error);
    return;
  }
  leaveTask(group);
}

async function shutDown(group: TaskGroup, open: OpenStreams<AsyncResource>, graceMs: number): Promise<void> {
  const finished = group.wait();
  if (graceMs !== Infinity) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"grace over">((resolve) => (timer = setTimeout(() => resolve("grace over"), graceMs)));
    // A handler failure is wait()'s to report; here only "finished in time or not" matters.
    const outcome = await Promise.race([
      finished.then(
        () => "finished",
        () => "finished",
      ),
      graceOver,
    ]);
    clearTimeout(timer);
    // Closing a stream wakes its handler's pending receive or send with ClosedResourceError.
    if (outcome === "grace over") await Promise.all(open.streams().map((stream) => stream.aclose()));
  }
  await finished;
}

function reportHandlerError(error: unknown): void {
  console.error("portio: a connection handler failed:", error);
}
