import { BusyResourceError } from "./errors.ts";

/**
 * Refuses a second concurrent use of one operation (receive, send, accept) with
 * {@link BusyResourceError}, as AnyIO's `ResourceGuard` does.
 *
 * @example
 * ```ts
 * const guard = new ResourceGuard("reading from");
 * guard.enter();
 * try { ... } finally { guard.exit(); }
 * ```
 */
export class ResourceGuard {
  #busy = false;

  /**
   * Creates a guard for `action`.
   *
   * @param action completes "Another task is already … this resource"
   */
  constructor(readonly action: string) {}

  /**
   * Enters the guarded section.
   *
   * @throws BusyResourceError if already entered
   */
  enter(): void {
    if (this.#busy) throw new BusyResourceError(this.action);
    this.#busy = true;
  }

  /** Leaves the guarded section; idempotent. */
  exit(): void {
    this.#busy = false;
  }

  /** Whether a task is inside the guarded section now. */
  get busy(): boolean {
    return this.#busy;
  }
}
