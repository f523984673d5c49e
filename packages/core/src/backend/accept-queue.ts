import { deferred } from "../internal/abort.ts";
import type { AcceptSink } from "./transports.ts";

/** What an {@link AcceptQueue} holds: an accepted connection it can close if nobody takes it. */
export interface AcceptedConnection {
  /** Closes the connection, giving pending writes up to `flushTimeoutMs` to drain. */
  close(flushTimeoutMs: number): Promise<void>;
}

/** How an {@link AcceptQueue} refuses and bounds. */
export interface AcceptQueueOptions {
  /** The error a `shift()` gets once the queue is closed (each backend's own "listener closed" error). */
  closedError(): unknown;
  /**
   * How many connections may wait; a connection pushed beyond it is closed at once. Leave it out
   * where the runtime itself only accepts when asked or the kernel backlog already bounds it.
   */
  limit?: number;
}

/**
 * The accept side of a listener transport, written once for every backend: connections the
 * runtime hands over wait here in arrival order until `accept()` takes them, a pending `accept()`
 * is woken by the next one, an accept error reaches the waiting (or the next) caller, and closing
 * rejects the waiter at once and closes what nobody accepted, as core's `ListenerTransport`
 * contract asks. Only the runtime part (where connections come from, how the listener stops) stays
 * in the backend. One `shift()` at a time: core never has two accepts outstanding. `shift(signal)`
 * gives up waiting once `signal` aborts, so a transport can offer core's abortable accept
 * (`ListenerTransport.abortableAccept`) by passing the signal on.
 *
 * @example
 * ```ts
 * const queue = new AcceptQueue<MyStreamTransport>({ closedError: () => new Error("the listener is closed") });
 * server.on("connection", (socket) => queue.push(new MyStreamTransport(socket)));
 * server.on("error", (error) => queue.fail(error));
 * const transport = await queue.shift(signal); // ListenerTransport.accept(signal)
 * await Promise.all([queue.close(), stopServer()]); // ListenerTransport.close()
 * ```
 */
export class AcceptQueue<T extends AcceptedConnection> {
  readonly #items: T[] = [];
  readonly #closedError: () => unknown;
  readonly #limit: number;
  /** The waiting accept: a `shift()`'s deferred or a `shiftInto()`'s sink. */
  #waiter: AcceptSink<T> | undefined;
  /** The signal of the waiting shift, if it has one. */
  #waiterSignal: AbortSignal | undefined;
  /**
   * The signal {@link #onAbort} listens to. Kept across shifts, as serve() passes the same signal
   * to every accept: one listener per signal rather than an add and a remove per connection.
   */
  #listenedSignal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    const waiter = this.#waiter;
    const signal = this.#waiterSignal;
    // The signal of an earlier shift aborting does not concern a waiter without it.
    if (waiter === undefined || signal === undefined || !signal.aborted) return;
    this.#waiter = undefined;
    this.#waiterSignal = undefined;
    waiter.reject(signal.reason);
  };
  /** An accept error nobody has seen yet; `permanent` ones stay for every later call. */
  #failure: { error: unknown; permanent: boolean } | undefined;
  #closing: Promise<void> | undefined;

  /** A queue that refuses with `options.closedError()` once closed and holds at most `options.limit` connections. */
  constructor(options: AcceptQueueOptions) {
    this.#closedError = options.closedError;
    this.#limit = options.limit ?? Number.POSITIVE_INFINITY;
  }

  /** Whether an `accept()` is waiting for a connection (pull-style runtimes fetch one only then). */
  get waiting(): boolean {
    return this.#waiter !== undefined;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Hands `connection` to the waiting `accept()`, or queues it. Once closed, or beyond the limit,
   * it is closed at once (nobody would ever take it) and `false` comes back.
   */
  push(connection: T): boolean {
    if (this.#closing !== undefined || this.#items.length >= this.#limit) {
      void connection.close(0).catch(() => {});
      return false;
    }
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#items.push(connection);
    } else {
      this.#waiter = undefined;
      this.#waiterSignal = undefined;
      waiter.resolve(connection);
    }
    return true;
  }

  /**
   * An accept failed (transient errors are the backend's to skip before this): the waiting
   * `accept()` rejects with it, or else the next one does. `permanent` when the listener cannot
   * accept again (every later `accept()` rejects too).
   */
  fail(error: unknown, options: { permanent?: boolean } = {}): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#waiterSignal = undefined;
    // Recorded first: a sink's reject may call shiftInto() again at once.
    if (waiter === undefined || options.permanent === true) this.#failure ??= { error, permanent: options.permanent === true };
    if (waiter !== undefined) waiter.reject(error);
  }

  /**
   * The next connection: a queued one, or the next to come. With `signal`: rejects with
   * `signal.reason` if it is aborted before a connection is there (checked first, so an aborted
   * signal takes nothing), and a connection that comes after the abort waits for the next shift.
   */
  shift(signal?: AbortSignal): Promise<T> {
    let queued: T | undefined;
    try {
      queued = this.#take(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (queued !== undefined) return Promise.resolve(queued);
    const waiter = deferred<T>();
    this.#wait(waiter, signal);
    return waiter.promise;
  }

  /**
   * {@link shift} without a promise, for `ListenerTransport.acceptWith`: a queued connection comes
   * back at once; else `undefined`, and the next connection (or the failure, close or abort that
   * comes first) goes to `sink`, possibly from inside {@link push}. What `shift()` would reject
   * with at once, this throws.
   *
   * @example
   * ```ts
   * acceptWith(sink: AcceptSink, signal?: AbortSignal) { return this.#queue.shiftInto(sink, signal); }
   * ```
   */
  shiftInto(sink: AcceptSink<T>, signal?: AbortSignal): T | undefined {
    const queued = this.#take(signal);
    if (queued === undefined) this.#wait(sink, signal);
    return queued;
  }

  /** A queued connection, or `undefined` if the caller must wait; throws what refuses at once. */
  #take(signal: AbortSignal | undefined): T | undefined {
    if (signal?.aborted) throw signal.reason;
    const queued = this.#items.shift();
    if (queued !== undefined) return queued;
    if (this.#closing !== undefined) throw this.#closedError();
    const failure = this.#failure;
    if (failure !== undefined) {
      if (!failure.permanent) this.#failure = undefined;
      throw failure.error;
    }
    return undefined;
  }

  #wait(waiter: AcceptSink<T>, signal: AbortSignal | undefined): void {
    if (signal !== undefined && signal !== this.#listenedSignal) {
      this.#releaseSignal();
      this.#listenedSignal = signal;
      // Once: an aborted signal is answered by the check above from then on.
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    this.#waiterSignal = signal;
    this.#waiter = waiter;
  }

  #releaseSignal(): void {
    this.#listenedSignal?.removeEventListener("abort", this.#onAbort);
    this.#listenedSignal = undefined;
  }

  /**
   * Rejects a waiting `accept()` at once and closes the connections nobody accepted; resolves once
   * they are closed. Idempotent. Stopping the runtime's listener is the caller's part.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#releaseSignal();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#waiterSignal = undefined;
    if (waiter !== undefined) {
      // Core may have stopped waiting (an aborted accept); that must not become an unhandled rejection.
      (waiter as { promise?: Promise<T> }).promise?.catch(() => {});
      waiter.reject(this.#closedError());
    }
    await Promise.all(this.#items.splice(0).map((connection) => connection.close(0).catch(() => {})));
  }
}
