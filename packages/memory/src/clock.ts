/**
 * Time on a memory network: the runtime's real timers by default, or a manual clock that only
 * moves when the test calls {@link MemoryClock.advance}, so that a 30-second timeout takes
 * milliseconds and happens at exactly the same point in every run.
 *
 * Every delay the network itself makes (latency, bandwidth, connect timeouts) runs on this clock.
 * Signals the test makes itself must come from it too: `AbortSignal.timeout()` always uses the
 * runtime's real timers, so under a manual clock use {@link MemoryClock.timeout} instead.
 *
 * @example
 * ```ts
 * const network = createMemoryNetwork({ clock: "manual" });
 * const receiving = stream.receive({ signal: network.clock.timeout(30_000) });
 * await network.clock.advance(30_000); // receiving rejects with a TimeoutError now
 * ```
 */
export interface MemoryClock {
  /** `true` for a manual clock (time moves only through {@link advance}). */
  readonly manual: boolean;
  /** Milliseconds since the clock started. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds of this clock's time; returns a function that cancels it. */
  schedule(ms: number, callback: () => void): () => void;
  /** Resolves after `ms` milliseconds of this clock's time; rejects with `signal.reason` on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * A signal that aborts with a `TimeoutError` `DOMException` after `ms` milliseconds of this
   * clock's time: `AbortSignal.timeout(ms)` for the real clock, driven by {@link advance} for a
   * manual one.
   */
  timeout(ms: number): AbortSignal;
  /**
   * Manual clock only: moves time forward by `ms`, firing every timer that falls due, in order,
   * and letting the promise chains they start settle before the next one fires.
   * @throws TypeError on the real clock
   */
  advance(ms: number): Promise<void>;
}

/** The runtime's timers. */
export function realClock(): MemoryClock {
  const start = performance.now();
  return {
    manual: false,
    now: () => performance.now() - start,
    schedule(ms, callback) {
      const timer = setTimeout(callback, Math.max(0, ms));
      return () => clearTimeout(timer);
    },
    sleep(ms, signal) {
      return sleepOn(this, ms, signal);
    },
    timeout: (ms) => AbortSignal.timeout(ms),
    advance() {
      return Promise.reject(new TypeError('advance() needs a manual clock: createMemoryNetwork({ clock: "manual" })'));
    },
  };
}

interface Timer {
  due: number;
  seq: number;
  callback: () => void;
}

/** A clock that stands still until {@link MemoryClock.advance} moves it. */
export function manualClock(): MemoryClock {
  let now = 0;
  let seq = 0;
  const timers: Timer[] = [];
  let advancing: Promise<void> = Promise.resolve();
  const clock: MemoryClock = {
    manual: true,
    now: () => now,
    schedule(ms, callback) {
      const timer: Timer = { due: now + Math.max(0, ms), seq: seq++, callback };
      timers.push(timer);
      return () => {
        const index = timers.indexOf(timer);
        if (index >= 0) timers.splice(index, 1);
      };
    },
    sleep(ms, signal) {
      return sleepOn(clock, ms, signal);
    },
    timeout(ms) {
      const controller = new AbortController();
      clock.schedule(ms, () => controller.abort(new DOMException("The operation timed out.", "TimeoutError")));
      return controller.signal;
    },
    advance(ms) {
      if (!(ms >= 0)) return Promise.reject(new RangeError("advance() needs a non-negative number of milliseconds"));
      // Calls queue behind each other, so two concurrent advances add up instead of interleaving.
      const run = advancing.then(async () => {
        const target = now + ms;
        for (;;) {
          await settle();
          let next: Timer | undefined;
          for (const timer of timers) {
            if (
              timer.due <= target &&
              (next === undefined || timer.due < next.due || (timer.due === next.due && timer.seq < next.seq))
            )
              next = timer;
          }
          if (next === undefined) break;
          timers.splice(timers.indexOf(next), 1);
          now = next.due;
          next.callback();
        }
        now = target;
        await settle();
      });
      advancing = run.catch(() => {});
      return run;
    },
  };
  return clock;
}

/**
 * Lets every promise chain started so far run to its next real wait: a macrotask turn runs only
 * after the microtask queue is empty. This is no timing assumption: nothing on a memory network
 * waits for real time under a manual clock.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function sleepOn(clock: MemoryClock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      cancel();
      reject(signal!.reason);
    };
    const cancel = clock.schedule(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
