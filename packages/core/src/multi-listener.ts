import type { AsyncResource, CallOptions } from "./abc/resource.ts";
import type { HandlerContext, Listener, ServeOptions } from "./abc/streams.ts";
import { throwIfAborted } from "./internal/abort.ts";
import { TaskGroup } from "./task-group.ts";
import { mergeAttributes, type TypedAttributeMap } from "./typed-attributes.ts";
import { ListenerBase } from "./resource-base.ts";
import { checkServeOptions } from "./sockets/serve.ts";

/**
 * Several listeners served as one, e.g. a TCP port on both `0.0.0.0` and `::`. Nested
 * MultiListeners are flattened: their listeners move into the new one (which then owns them,
 * so each is closed once). Attributes are merged, later listeners winning, so
 * `extra(SocketAttribute.localPort)` gives the port they share.
 *
 * @example
 * ```ts
 * await using listener = new MultiListener([v4Listener, v6Listener]);
 * await listener.serve(async (stream) => {
 *   for await (const chunk of stream) await stream.send(chunk);
 * }, { signal });
 * ```
 */
export class MultiListener<T> extends ListenerBase<T> implements Listener<T> {
  #listeners: Listener<T>[];
  /** Connections that arrived on one listener while another won the same accept(): the next ones. */
  readonly #ready: T[] = [];

  /** Combines `listeners` into one; nested MultiListeners are flattened. */
  constructor(listeners: Iterable<Listener<T>>) {
    super();
    const flat: Listener<T>[] = [];
    for (const listener of listeners) {
      if (listener instanceof MultiListener) {
        flat.push(...(listener as MultiListener<T>).#listeners);
        (listener as MultiListener<T>).#listeners = [];
      } else {
        flat.push(listener);
      }
    }
    this.#listeners = flat;
  }

  /**
   * The listeners served, after flattening.
   *
   * @example
   * ```ts
   * console.log(`listening on ${listener.listeners.length} addresses`);
   * ```
   */
  get listeners(): readonly Listener<T>[] {
    return [...this.#listeners];
  }

  /** The typed attributes it provides; read one with `extra()`. */
  override get extraAttributes(): TypedAttributeMap {
    return mergeAttributes(...this.#listeners.map((listener) => listener.extraAttributes));
  }

  /**
   * Runs every listener's `serve` concurrently with the same handler and options. Resolves once
   * they all stopped (after `signal` aborts). If one fails, the others are stopped and `serve`
   * rejects with that failure.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * const serving = listener.serve(handle, { signal: controller.signal });
   * controller.abort(); // later
   * await serving;
   * ```
   */
  async serve(
    handler: (stream: T, context: HandlerContext) => void | Promise<void>,
    rawOptions?: ServeOptions<T>,
  ): Promise<void> {
    const options = checkServeOptions(handler, rawOptions);
    const group = new TaskGroup(options.signal === undefined ? {} : { signal: options.signal });
    for (const listener of this.#listeners) {
      group.start((signal) => listener.serve(handler, { ...options, signal }));
    }
    await group.wait();
  }

  /**
   * Accepts the next connection from whichever listener has one first. The listeners that lost
   * the race keep what they accept for the next call, so nothing is dropped. Needs listeners
   * with `accept()` (socket and TLS listeners have it).
   *
   * @throws TypeError if a listener has no `accept()`
   * @throws ClosedResourceError once a listener was closed
   * @example
   * ```ts
   * const stream = await listener.accept({ signal: AbortSignal.timeout(5_000) });
   * ```
   */
  async accept(options?: CallOptions): Promise<T> {
    const ready = this.#ready.shift();
    if (ready !== undefined) return ready;
    throwIfAborted(options?.signal);
    const accepts = this.#listeners.map((listener) => {
      const accept = (listener as Partial<{ accept(options?: CallOptions): Promise<T> }>).accept;
      if (typeof accept !== "function") throw new TypeError("a listener of this MultiListener has no accept(); use serve()");
      return accept.bind(listener);
    });
    const lost = new AbortController();
    const signal = options?.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal]);
    const attempts = accepts.map((accept) => accept({ signal }));
    let first: Promise<T> | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        for (const attempt of attempts) {
          attempt.then(
            (stream) => {
              first ??= attempt;
              if (first === attempt) resolve(stream);
            },
            (error: unknown) => {
              first ??= attempt;
              if (first === attempt) reject(error);
            },
          );
        }
      });
    } finally {
      lost.abort();
      // A listener that lost the race may have accepted in the same moment: that connection
      // is the next call's.
      for (const attempt of attempts) {
        if (attempt !== first)
          attempt.then(
            (stream) => void this.#ready.push(stream),
            () => {},
          );
      }
    }
  }

  /**
   * Closes every listener, even if closing one fails (that error is thrown afterwards).
   *
   * @example
   * ```ts
   * await listener.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    const accepted = this.#ready.splice(0) as unknown as AsyncResource[];
    const results = await Promise.allSettled([
      ...this.#listeners.map((listener) => listener.aclose()),
      ...accepted.map((stream) => stream.aclose()),
    ]);
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, "Several listeners failed to close");
  }
}
