import { ClosedResourceError } from "../errors.ts";
import { ResourceGuard } from "../resource-guard.ts";
import { raceAbort, silenced, throwIfAborted } from "./abort.ts";
import { IMMEDIATE_BUDGET, nextTurn } from "./turns.ts";

/**
 * The reading half that a receive wrapper (BufferedByteReceiveStream, TextReceiveStream) runs on
 * the stream it wraps: one receive at a time (`BusyResourceError`); a receive whose caller was
 * aborted keeps running and the next `fill()` waits for it instead of starting another, so its
 * chunk is never lost; `close()` wakes a call waiting on a wrapped stream that ignores close.
 */
export class WrappedReceive<C> {
  readonly #receive: () => Promise<C>;
  readonly #guard = new ResourceGuard("reading from");
  readonly #closer = new AbortController();
  #closed = false;
  // Fulfils once the chunk has been taken; keeps a rejection until a caller has seen it.
  #inflight: Promise<void> | undefined;

  /** `receive` is called without arguments: valid for byte and object streams alike. */
  constructor(receive: () => Promise<C>) {
    this.#receive = receive;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a receive on the wrapped stream is running (its chunk is not taken yet). */
  get pending(): boolean {
    return this.#inflight !== undefined;
  }

  /** Starts a call: `ClosedResourceError` after close, the signal's reason if aborted, busy if another runs. */
  enter(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new ClosedResourceError();
    throwIfAborted(signal);
    this.#guard.enter();
  }

  exit(): void {
    this.#guard.exit();
  }

  /** Marks it closed and wakes a waiting `fill()` with `ClosedResourceError`. Idempotent. */
  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#closer.abort(new ClosedResourceError());
    }
  }

  /** Calls answered from what the wrapper holds since the last `fill()`. */
  #answeredWithoutWaiting = 0;

  /**
   * Counts a call the wrapper answers from what it already holds (no `fill()`). Every
   * {@link IMMEDIATE_BUDGET}-th one gets a promise to await before taking anything: it resolves
   * after an event-loop turn (a loop of such calls would otherwise settle on microtasks alone)
   * and rejects if the wrapper was closed or `signal` aborted meanwhile. `undefined` otherwise,
   * so the common answer costs no extra await.
   */
  turnIfDue(signal: AbortSignal | undefined): Promise<void> | undefined {
    if (++this.#answeredWithoutWaiting < IMMEDIATE_BUDGET) return undefined;
    this.#answeredWithoutWaiting = 0;
    return nextTurn().then(() => {
      if (this.#closed) throw new ClosedResourceError();
      throwIfAborted(signal);
    });
  }

  /**
   * Waits for one more chunk and hands it to `take` when it arrives (not when a caller is
   * waiting, so every chunk is taken exactly once and in order). The wrapped stream's error goes
   * to `takeError`, which rethrows it or, by returning, counts as a chunk taken.
   */
  async fill(signal: AbortSignal | undefined, take: (chunk: C) => void, takeError?: (error: unknown) => void): Promise<void> {
    this.#answeredWithoutWaiting = 0;
    let inflight = this.#inflight;
    if (inflight === undefined) {
      let received: Promise<C>;
      try {
        received = this.#receive();
      } catch (error) {
        received = Promise.reject(error);
      }
      const taken = (): void => {
        if (this.#inflight === started) this.#inflight = undefined;
      };
      const started: Promise<void> = received.then(
        (chunk) => {
          taken();
          take(chunk);
        },
        takeError &&
          ((error: unknown) => {
            takeError(error);
            taken();
          }),
      );
      this.#inflight = inflight = silenced(started);
    }
    try {
      await raceAbort(raceAbort(inflight, signal), this.#closer.signal);
    } catch (error) {
      const abandoned = (signal?.aborted && error === signal.reason) || this.#closer.signal.aborted;
      // The wrapped stream's error is reported once, to the caller that saw it.
      if (!abandoned && this.#inflight === inflight) this.#inflight = undefined;
      throw error;
    }
  }
}
