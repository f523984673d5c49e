import { checkSignal, deferred, type Deferred } from "./internal/abort.ts";
import { provideTaskTracking } from "./internal/task-tracking.ts";

/** A task run by a {@link TaskGroup}: it gets the group's signal and should stop when it aborts. */
export type Task = (signal: AbortSignal) => Promise<unknown> | unknown;

/**
 * Structured concurrency: every task started in the group is awaited by `wait()`. The first task
 * to fail aborts the others' signal, and `wait()` rejects with that error (an `AggregateError` if
 * several failed). Tasks that reject with the group's own abort reason are not counted as failures.
 *
 * @example
 * ```ts
 * await using tg = new TaskGroup({ signal: AbortSignal.timeout(5_000) });
 * tg.start((signal) => serveClient(a, signal));
 * tg.start((signal) => serveClient(b, signal));
 * // leaving the block waits for both
 * ```
 */
export class TaskGroup {
  readonly #controller = new AbortController();
  readonly #errors: unknown[] = [];
  #running = 0;
  /** What wait() waits on while tasks run; made only when somebody waits (serve() starts a task per connection). */
  #idle: Deferred<void> | undefined;
  #closed = false;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = () => this.cancel(this.#outer?.reason);
  // Settle handlers of every task, made once per group rather than per start().
  readonly #onTaskDone = () => this.#finish();
  readonly #onTaskFailed = (error: unknown) => {
    const signal = this.#controller.signal;
    if (!(signal.aborted && error === signal.reason)) {
      this.#errors.push(error);
      this.cancel(error);
    }
    this.#finish();
  };

  /** A group whose tasks are also aborted when `options.signal` aborts. */
  constructor(options: { signal?: AbortSignal } = {}) {
    checkSignal(options.signal, "options.signal");
    this.#outer = options.signal;
    if (this.#outer?.aborted) this.cancel(this.#outer.reason);
    else this.#outer?.addEventListener("abort", this.#onOuterAbort, { once: true });
  }

  /** Aborts when the group is cancelled, the outer signal aborts, or a task fails. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** How many tasks are still running. */
  get running(): number {
    return this.#running;
  }

  /**
   * Starts `task` now. Its failure aborts the group's signal and is reported by `wait()`.
   * @throws Error if the group has finished waiting
   */
  start(task: Task): void {
    this.#checkOpen();
    const signal = this.#controller.signal;
    this.#track(Promise.resolve().then(() => task(signal)));
  }

  static {
    provideTaskTracking({
      enter(group) {
        group.#checkOpen();
        group.#running++;
      },
      leave(group) {
        group.#onTaskDone();
      },
      fail(group, error) {
        group.#onTaskFailed(error);
      },
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("this TaskGroup has finished; start tasks before wait() settles");
  }

  #track(running: Promise<unknown>): void {
    this.#running++;
    running.then(this.#onTaskDone, this.#onTaskFailed);
  }

  /** Aborts every task's signal with `reason` (default: an `AbortError` DOMException). */
  cancel(reason?: unknown): void {
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(reason ?? new DOMException("The task group was cancelled", "AbortError"));
    }
  }

  /**
   * Waits until every task has settled. Rejects with the first failure, or an `AggregateError`
   * of all failures if several tasks failed.
   */
  async wait(): Promise<void> {
    while (this.#running > 0) await (this.#idle ??= deferred<void>()).promise;
    this.#closed = true;
    this.#outer?.removeEventListener("abort", this.#onOuterAbort);
    if (this.#errors.length === 1) throw this.#errors[0];
    if (this.#errors.length > 1) throw new AggregateError(this.#errors, "Multiple tasks failed");
  }

  /** Closes it when an `await using` block ends: the same as `aclose()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.wait();
  }

  #finish(): void {
    if (--this.#running > 0 || this.#idle === undefined) return;
    const idle = this.#idle;
    this.#idle = undefined;
    idle.resolve();
  }
}
