/**
 * Readiness waiting that never blocks the event loop. One reactor per binder keeps at most ONE
 * `pollAsync` outstanding, covering every fd currently waited on plus a wake-up fd (an eventfd on
 * Linux, a pipe elsewhere). Why one poll for everything: with koffi each pending async call holds
 * one of libuv's threadpool threads (4 by default), and a poll per socket would starve dns and fs
 * work; Deno and Bun likewise pay a thread per pending call.
 *
 * - When the set of waited fds grows while a poll is pending, a byte on the wake-up fd ends that
 *   poll so it is re-issued with the new set.
 * - When nothing is waited on, no poll is outstanding and the wake-up fd is closed (after one
 *   more event-loop turn, in case a socket goes back to waiting at once), so the process can
 *   exit (a pending FFI call would keep it alive).
 * - Before each poll goes to another thread, a zero-timeout poll on the JS thread checks whether
 *   something is ready already (common when both ends live in this process); only when nothing
 *   is does the thread-pool round trip happen.
 * - Fairness: calls that complete without waiting, and cycles served by that synchronous poll,
 *   form chains of microtasks; budgets force an event-loop turn now and then (`shouldYield`,
 *   `nextTurn`) so that timers and other I/O keep running.
 * - Readiness is a hint: a woken caller retries its call and waits again on EAGAIN.
 * - Where the binder offers {@link LibcBinder.watch} (Node: libuv's `uv_poll`), there is no
 *   `pollAsync` and no thread at all: each waited fd gets a watcher on the runtime's own event
 *   loop, armed when the synchronous poll found it not ready. A watcher stays armed (unreferenced)
 *   after its waiters were served, for fds whose owner closes them only after
 *   {@link Reactor.notifyClosing} (every `LibcSocket`, see {@link Reactor.own}): the next wait,
 *   usually within the same turn, then costs no epoll_ctl. Other fds' watchers close with their
 *   last waiter, before their owner can close or hand on the fd.
 *
 * @example
 * ```ts
 * const reactor = getReactor(binder);
 * for (;;) {
 *   const n = binder.recv(fd, buf, buf.length, C.MSG_DONTWAIT);
 *   if (n >= 0) break;
 *   if (binder.errno() !== C.errno.EAGAIN) throw lastError(binder, "recv");
 *   await reactor.waitReadable(fd, { signal });
 * }
 * ```
 * @module
 */

import { ClosedResourceError } from "@portio/core";
import type { FdWatcher, LibcBinder } from "./binder.ts";
import { constantsFor, type SocketConstants } from "./constants.ts";
import { fcntl, setCloseOnExec } from "./calls.ts";
import { lastError, systemError } from "./errno.ts";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  /** Removes the abort listener. */
  dispose(): void;
}

interface Interest {
  readers: Set<Waiter>;
  writers: Set<Waiter>;
}

/** An fd's watcher on the runtime's event loop (reactors over a binder with `watch`). */
interface Watch {
  readonly watcher: FdWatcher;
  /** The events it is started for (POLLIN / POLLOUT bits); 0 while stopped. */
  armed: number;
  /** Whether it keeps the process alive: only while someone waits on its fd. */
  referenced: boolean;
}

/** Counters for tests and diagnostics. */
export interface ReactorStats {
  /** `pollAsync` calls issued so far. */
  pollsIssued: number;
  /** Cycles served by a synchronous zero-timeout poll instead (something was ready already). */
  syncPolls: number;
  /** Wake-ups written to end a pending poll. */
  wakeups: number;
  /** Whether a `pollAsync` is outstanding now. */
  polling: boolean;
  /** Number of fds waited on now. */
  fds: number;
  /** The wake-up fd, -1 while idle. */
  wakeFd: number;
  /** Watcher call-backs from the event loop so far (binders with `watch`). */
  watchEvents: number;
  /** Watchers alive now (armed or not). */
  watchers: number;
}

/**
 * Microtask turns to let pass before (re-)issuing a poll. A woken waiter usually retries its call
 * and waits again within two or three turns; issuing the next poll only after that saves a
 * wake-up round trip through the thread pool for every socket that goes back to waiting.
 */
const SETTLE_TURNS = 6;

/** Calls completed without waiting, across all sockets, before one must let the event loop turn. */
const IMMEDIATE_BUDGET = 64;

/** Cycles in a row the synchronous poll may serve before one goes through the event loop. */
const MAX_SYNC_STREAK = 16;

/** The readiness poller of one binder; get it with {@link getReactor}. */
export class Reactor {
  readonly #binder: LibcBinder;
  readonly #C: SocketConstants;
  readonly #interests = new Map<number, Interest>();
  /** fd → events of the poll outstanding now (empty when none is). */
  #polled = new Map<number, number>();
  #polling = false;
  #scheduled = false;
  /** A wake-up is written for the outstanding poll and not yet drained. */
  #woken = false;
  /** The fd poll watches for wake-ups, -1 while idle. */
  #wakeFd = -1;
  /** Where wake-ups are written: the same eventfd, or the pipe's write end. */
  #wakeWriteFd = -1;
  #wakeIsEventfd = false;
  readonly #wakeBuffer = new Uint8Array(8);
  /** `notifyClosing` callers waiting for the outstanding poll to let go of their fd. */
  #closing: Array<() => void> = [];
  readonly #stats = { pollsIssued: 0, syncPolls: 0, wakeups: 0, watchEvents: 0 };
  /** Waits go through per-fd watchers on the runtime's event loop instead of `pollAsync`. */
  readonly #onLoop: boolean;
  readonly #watches = new Map<number, Watch>();
  /** fds closed only after `notifyClosing` (see {@link own}). */
  readonly #owned = new Set<number>();
  /** Every poll made so far, synchronous (found something or not) or asynchronous (completed). */
  #pollCount = 0;
  /**
   * Reused for the synchronous poll, which never leaves the JS thread; only a poll that goes to
   * another thread needs a buffer of its own.
   */
  #scratch = new Uint8Array(0);
  #scratchView = new DataView(this.#scratch.buffer);

  /** A reactor that polls through `binder`. */
  constructor(binder: LibcBinder) {
    this.#binder = binder;
    this.#C = constantsFor(binder.platform);
    this.#onLoop = binder.watch !== undefined && binder.nextTurn !== undefined;
  }

  /**
   * Declares that `fd` is closed (or handed on) only after {@link notifyClosing}, as
   * `LibcSocket` does with its own: its event-loop watcher may then stay armed between waits.
   */
  own(fd: number): void {
    if (this.#onLoop) this.#owned.add(fd);
  }

  /**
   * Resolves when `fd` may be readable (or has an error or hang-up pending); rejects with
   * `signal.reason` on abort, or with a `ClosedResourceError` when {@link notifyClosing} is called
   * for `fd`.
   */
  waitReadable(fd: number, options?: { signal?: AbortSignal | undefined }): Promise<void> {
    return this.#wait(fd, true, options?.signal);
  }

  /** Like {@link waitReadable}, for writability (also the end of a non-blocking connect). */
  waitWritable(fd: number, options?: { signal?: AbortSignal | undefined }): Promise<void> {
    return this.#wait(fd, false, options?.signal);
  }

  /**
   * Rejects the readers waiting on `fd` with `error` now; its writers go on waiting. For an
   * owner that stops reading before it closes (a stream whose close first lets a pending write
   * flush): cheaper than an abort listener on every wait.
   */
  rejectReaders(fd: number, error: unknown): void {
    const interest = this.#interests.get(fd);
    if (interest === undefined || interest.readers.size === 0) return;
    const readers = [...interest.readers];
    interest.readers.clear();
    if (interest.writers.size === 0) this.#interests.delete(fd);
    for (const waiter of readers) {
      waiter.dispose();
      waiter.reject(error);
    }
    if (this.#onLoop) {
      if (!this.#interests.has(fd)) this.#release(fd);
      return;
    }
    // The poll may now watch nothing that anyone waits for: end it, as #remove does.
    if (this.#interests.size === 0) this.#wake();
  }

  /**
   * Call BEFORE closing `fd`: its waiters reject with a `ClosedResourceError` now, and the
   * returned promise resolves once no outstanding poll refers to `fd` any more (at once when
   * none does), so the fd can then be closed without a poll still watching its number.
   */
  notifyClosing(fd: number): Promise<void> {
    const interest = this.#interests.get(fd);
    if (interest !== undefined) {
      this.#interests.delete(fd);
      const error = new ClosedResourceError();
      for (const waiter of [...interest.readers, ...interest.writers]) {
        waiter.dispose();
        waiter.reject(error);
      }
    }
    if (this.#onLoop) {
      // Closed before the fd is: afterwards the loop would unregister the fd's NUMBER.
      this.#watches.get(fd)?.watcher.close();
      this.#watches.delete(fd);
      this.#owned.delete(fd);
      this.#checkIdle();
      return Promise.resolve();
    }
    if (!this.#polling || !this.#polled.has(fd)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#closing.push(resolve);
      this.#wake();
    });
  }

  /**
   * Resolves once the reactor is idle: nothing waited on, no poll outstanding, the wake-up fd
   * closed. For tests and orderly shutdown; it does not stop new waits from starting.
   */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #idleWaiters: Array<() => void> = [];

  /**
   * Resolves after the event loop has had a turn: through the binder's own `nextTurn` where it
   * has one (a macrotask, a few µs), else once an asynchronous poll (issued now with a zero
   * timeout if nothing else is pending) has completed, a thread round trip. Callers whose calls
   * keep succeeding without waiting use it to let timers and other I/O run between their
   * microtasks.
   */
  nextTurn(): Promise<void> {
    if (this.#binder.nextTurn !== undefined) return this.#binder.nextTurn().then(this.#turned);
    return new Promise<void>((resolve) => {
      this.#turnWaiters.push(resolve);
      if (this.#polling) this.#wake();
      else this.#schedule();
    });
  }

  #turnWaiters: Array<() => void> = [];

  readonly #turned = (): void => {
    this.#immediateCalls = 0;
  };

  /**
   * Counts one call that completed without waiting, and says whether the caller should now
   * `await nextTurn()`: true once {@link IMMEDIATE_BUDGET} calls did so since the event loop's
   * last turn. A receive loop on a socket that always has data would otherwise run on
   * microtasks alone and starve timers (AbortSignal.timeout included) and all other I/O.
   */
  shouldYield(): boolean {
    if (++this.#immediateCalls < IMMEDIATE_BUDGET) return false;
    this.#immediateCalls = 0;
    return true;
  }

  #immediateCalls = 0;

  /**
   * Whether the next call that completes without waiting has to yield (its
   * {@link shouldYield} would say true); counts nothing. For synchronous fast paths that must
   * refuse before they take anything: they count their success with `shouldYield()` after.
   */
  get yieldDue(): boolean {
    return this.#immediateCalls + 1 >= IMMEDIATE_BUDGET;
  }

  /**
   * `value` for a call that completed without waiting: resolved at once, or after an event-loop
   * turn when {@link shouldYield} says so. For callers that answer from a synchronous fast path.
   */
  completedWithoutWaiting<T>(value: T): Promise<T> {
    return this.shouldYield() ? this.nextTurn().then(() => value) : Promise.resolve(value);
  }

  #exitHooked = false;
  /** The process is exiting: no poll may be issued any more. */
  #exiting = false;
  /** Consecutive cycles served by the synchronous zero-timeout poll. */
  #syncStreak = 0;

  #isIdle(): boolean {
    return (
      !this.#polling && !this.#scheduled && this.#interests.size === 0 && this.#turnWaiters.length === 0 && this.#wakeFd === -1
    );
  }

  /**
   * How many polls this reactor has made so far (a synchronous one whether or not it found
   * anything, an asynchronous one once completed). A caller that notes it before a wait learns
   * afterwards whether the first poll after it asked already found its fd ready: then the data
   * was (nearly) there when it asked, and trying the call first pays off next time.
   */
  get pollCount(): number {
    return this.#pollCount;
  }

  /** Current counters. */
  get stats(): ReactorStats {
    return {
      ...this.#stats,
      polling: this.#polling,
      fds: this.#interests.size,
      wakeFd: this.#wakeFd,
      watchers: this.#watches.size,
    };
  }

  #wait(fd: number, read: boolean, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let interest = this.#interests.get(fd);
      if (interest === undefined) {
        interest = { readers: new Set(), writers: new Set() };
        this.#interests.set(fd, interest);
      }
      const set = read ? interest.readers : interest.writers;
      const waiter: Waiter = { resolve, reject, dispose: noop };
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#remove(fd, set, waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.dispose = () => signal.removeEventListener("abort", onAbort);
      }
      set.add(waiter);
      if (this.#onLoop) {
        // The synchronous poll first (it finds an in-process peer's bytes without a loop turn);
        // `#issue` arms the watcher if it finds nothing.
        this.#schedule();
        return;
      }
      const events = read ? this.#C.POLLIN : this.#C.POLLOUT;
      if (!this.#polling) this.#schedule();
      else if (((this.#polled.get(fd) ?? 0) & events) === 0) this.#wake();
    });
  }

  #remove(fd: number, set: Set<Waiter>, waiter: Waiter): void {
    if (!set.delete(waiter)) return;
    waiter.dispose();
    const interest = this.#interests.get(fd);
    if (interest !== undefined && interest.readers.size === 0 && interest.writers.size === 0) {
      this.#interests.delete(fd);
      if (this.#onLoop) this.#release(fd);
      // The last waiter gone: end the poll, or it would keep the process alive for nothing.
      else if (this.#interests.size === 0) this.#wake();
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#polling) return;
    this.#scheduled = true;
    // One function queued again and again: no promise per turn (a chain of `then`s allocated
    // eight objects per cycle, two cycles per in-process round trip).
    this.#settleTurns = SETTLE_TURNS + 1;
    queueMicrotask(this.#settleStep);
  }

  #settleTurns = 0;

  readonly #settleStep = (): void => {
    if (--this.#settleTurns > 0) {
      queueMicrotask(this.#settleStep);
      return;
    }
    this.#scheduled = false;
    this.#issue();
  };

  #issue(): void {
    if (this.#onLoop) {
      this.#issueOnLoop();
      return;
    }
    if (this.#polling || this.#exiting) return;
    const turns = this.#turnWaiters.length > 0;
    if (this.#interests.size === 0 && !turns) {
      if (this.#lingering) return; // the lingering turn below settles it
      if (this.#wakeFd !== -1 && this.#binder.nextTurn !== undefined) {
        // The wake-up fd stays open for one event-loop turn: a socket that goes back to waiting
        // right away (a ping-pong's next round trip) then reuses it, saving two syscalls.
        this.#lingering = true;
        void this.#binder.nextTurn().then(() => {
          this.#lingering = false;
          if (!this.#polling && !this.#scheduled && this.#interests.size === 0 && this.#turnWaiters.length === 0) {
            this.#becomeIdle();
          }
        });
        return;
      }
      this.#becomeIdle();
      return;
    }
    if (!turns && this.#syncStreak >= MAX_SYNC_STREAK && this.#binder.nextTurn !== undefined) {
      // The streak's event-loop turn through the binder's macrotask rather than a thread round
      // trip; the synchronous poll then runs again.
      this.#issueAfterTurn();
      return;
    }
    const C = this.#C;
    const nfds = this.#interests.size + 1;
    const size = nfds * C.POLLFD_SIZE;
    const offset = this.#writeInterests(nfds);
    const scratch = this.#scratch;
    const scratchView = this.#scratchView;

    // Something may be ready already (often so when both ends of a pair live in this process):
    // a zero-timeout poll here costs a syscall, the thread-pool round trip costs tens of µs. The
    // streak limit sends every MAX_SYNC_STREAK-th cycle through the event loop all the same,
    // so that timers and other I/O are never starved by a chain of microtasks.
    if (!turns && this.#syncStreak < MAX_SYNC_STREAK) {
      this.#pollCount++;
      const ready = this.#binder.poll(scratch, nfds - 1, 0);
      if (ready > 0) {
        this.#syncStreak++;
        this.#stats.syncPolls++;
        this.#dispatch(scratchView, nfds - 1, ready);
        this.#schedule();
        return;
      }
    }
    this.#syncStreak = 0;

    // A buffer of its own for the poll that leaves this thread: the binder owns it until then.
    const pollfds = scratch.slice(0, size);
    const view = new DataView(pollfds.buffer);
    const polled = new Map<number, number>();
    for (let at = 0; at < offset; at += C.POLLFD_SIZE) polled.set(view.getInt32(at, true), view.getInt16(at + 4, true));

    try {
      this.#openWakeFd();
    } catch (error) {
      this.#failAll(error);
      return;
    }
    view.setInt32(offset, this.#wakeFd, true);
    view.setInt16(offset + 4, C.POLLIN, true);
    this.#polled = polled;
    this.#polling = true;
    this.#stats.pollsIssued++;
    let pending: Promise<number>;
    try {
      // With turn waiters the poll only has to pass through the event loop, not wait.
      pending = this.#binder.pollAsync(pollfds, nfds, turns ? 0 : -1);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => this.#completed(pollfds, nfds, result),
      (error: unknown) => {
        this.#endPoll();
        this.#failAll(error);
        this.#schedule(); // to close the wake-up fd
      },
    );
  }

  #completed(pollfds: Uint8Array, nfds: number, result: number): void {
    this.#pollCount++;
    this.#endPoll();
    if (result < 0) {
      // EINTR: a signal arrived on the poll's thread; nothing is lost, poll again.
      if (-result !== this.#C.errno.EINTR) this.#failAll(systemError(this.#binder.platform, -result, "poll"));
    } else {
      this.#dispatch(new DataView(pollfds.buffer), nfds - 1, result);
    }
    this.#schedule();
  }

  /**
   * Wakes the waiters of the first `count` entries of the pollfd array in `view` by their revents;
   * `release`: also let go of the watchers of fds that nobody waits on any more.
   */
  #dispatch(view: DataView, count: number, ready: number, release = false): void {
    const C = this.#C;
    const readable = C.POLLIN | C.POLLERR | C.POLLHUP | C.POLLNVAL;
    const writable = C.POLLOUT | C.POLLERR | C.POLLHUP | C.POLLNVAL;
    let seen = 0;
    for (let i = 0; i < count && seen < ready; i++) {
      const revents = view.getInt16(i * C.POLLFD_SIZE + 6, true);
      if (revents === 0) continue;
      seen++;
      const fd = view.getInt32(i * C.POLLFD_SIZE, true);
      const interest = this.#interests.get(fd);
      if (interest === undefined) continue;
      if ((revents & readable) !== 0) settle(interest.readers);
      if ((revents & writable) !== 0) settle(interest.writers);
      if (interest.readers.size === 0 && interest.writers.size === 0) {
        this.#interests.delete(fd);
        if (release) this.#release(fd);
      }
    }
  }

  /**
   * Event-loop mode: the cycle of thread-pool mode with watchers for `pollAsync`. A zero-timeout
   * poll over every waited fd first (an in-process peer's bytes are found without a loop turn,
   * and while it keeps finding some, cycles go on that way, every {@link MAX_SYNC_STREAK}-th after
   * an event-loop turn); once it finds nothing, every waited fd's watcher is armed.
   */
  #issueOnLoop(): void {
    const count = this.#interests.size;
    if (count === 0) {
      this.#checkIdle();
      return;
    }
    if (this.#syncStreak >= MAX_SYNC_STREAK) {
      this.#issueAfterTurn();
      return;
    }
    this.#writeInterests(count);
    const view = this.#scratchView;
    this.#pollCount++;
    const ready = this.#binder.poll(this.#scratch, count, 0);
    if (ready > 0) {
      this.#syncStreak++;
      this.#stats.syncPolls++;
      this.#dispatch(view, count, ready, true);
      this.#schedule();
      return;
    }
    this.#syncStreak = 0;
    for (const [fd, interest] of this.#interests) this.#arm(fd, interest);
  }

  /** The streak's event-loop turn, through the binder's macrotask; then the cycle runs again. */
  #issueAfterTurn(): void {
    this.#syncStreak = 0;
    this.#scheduled = true;
    void this.#binder.nextTurn!().then(() => {
      this.#scheduled = false;
      this.#immediateCalls = 0;
      this.#issue();
    });
  }

  /**
   * Writes a pollfd entry for every waited fd into the scratch buffer, grown to hold `slots`
   * entries (a caller may add its own after them); returns the byte offset after the last one.
   */
  #writeInterests(slots: number): number {
    const C = this.#C;
    const size = slots * C.POLLFD_SIZE;
    if (this.#scratch.length < size) {
      this.#scratch = new Uint8Array(Math.max(size, 2 * this.#scratch.length));
      this.#scratchView = new DataView(this.#scratch.buffer);
    }
    const view = this.#scratchView;
    let offset = 0;
    for (const [fd, interest] of this.#interests) {
      view.setInt32(offset, fd, true);
      view.setInt16(offset + 4, eventsOf(C, interest), true);
      view.setInt16(offset + 6, 0, true);
      offset += C.POLLFD_SIZE;
    }
    return offset;
  }

  /** Starts (or narrows, or widens) `fd`'s watcher to what its waiters wait for. */
  #arm(fd: number, interest: Interest): void {
    let watch = this.#watches.get(fd);
    try {
      if (watch === undefined) {
        const watcher = this.#binder.watch!(fd, (status, readable, writable) => this.#watched(fd, status, readable, writable));
        watch = { watcher, armed: 0, referenced: true };
        this.#watches.set(fd, watch);
      }
      if (!watch.referenced) {
        watch.watcher.ref();
        watch.referenced = true;
      }
      const events = eventsOf(this.#C, interest);
      if (watch.armed !== events) {
        watch.watcher.start((events & this.#C.POLLIN) !== 0, (events & this.#C.POLLOUT) !== 0);
        watch.armed = events;
      }
    } catch (error) {
      this.#interests.delete(fd);
      for (const waiter of [...interest.readers, ...interest.writers]) {
        waiter.dispose();
        waiter.reject(error);
      }
      this.#release(fd);
    }
  }

  /** A watcher's call-back: the event loop found `fd` ready (or in error: `status` < 0). */
  #watched(fd: number, status: number, readable: boolean, writable: boolean): void {
    const watch = this.#watches.get(fd);
    if (watch === undefined) return;
    this.#stats.watchEvents++;
    this.#pollCount++;
    this.#immediateCalls = 0; // the event loop has turned
    this.#syncStreak = 0;
    if (status < 0) watch.armed = 0; // the loop stopped it
    const interest = this.#interests.get(fd);
    if (interest === undefined) {
      // Ready with nobody waiting (a kept watcher): stop it rather than be called every turn.
      this.#stop(watch);
      return;
    }
    if (status < 0 || readable) settle(interest.readers);
    if (status < 0 || writable) settle(interest.writers);
    if (interest.readers.size > 0 || interest.writers.size > 0) {
      this.#arm(fd, interest);
      return;
    }
    this.#interests.delete(fd);
    this.#release(fd);
    this.#checkIdle();
  }

  /**
   * Nobody waits on `fd` any more: its watcher no longer keeps the process alive, and unless the
   * fd is {@link own}ed, it is closed now, before the fd's owner may close or hand on the fd.
   */
  #release(fd: number): void {
    const watch = this.#watches.get(fd);
    if (watch === undefined) return;
    if (!this.#owned.has(fd)) {
      watch.watcher.close();
      this.#watches.delete(fd);
      return;
    }
    if (watch.referenced) {
      watch.watcher.unref();
      watch.referenced = false;
    }
  }

  #stop(watch: Watch): void {
    if (watch.armed !== 0) watch.watcher.start(false, false);
    watch.armed = 0;
    if (watch.referenced) {
      watch.watcher.unref();
      watch.referenced = false;
    }
  }

  /** Event-loop mode: resolves `whenIdle` callers once nothing is waited on. */
  #checkIdle(): void {
    if (this.#idleWaiters.length > 0 && this.#isIdle()) this.#becomeIdle();
  }

  /** Bookkeeping common to every way a poll ends. */
  #endPoll(): void {
    this.#polling = false;
    this.#immediateCalls = 0; // the event loop has turned
    this.#polled = new Map();
    if (this.#woken) {
      this.#drainWakeFd();
      this.#woken = false;
    }
    const closing = this.#closing;
    this.#closing = [];
    for (const resolve of closing) resolve();
    const turns = this.#turnWaiters;
    this.#turnWaiters = [];
    for (const resolve of turns) resolve();
  }

  #failAll(error: unknown): void {
    const interests = [...this.#interests.values()];
    this.#interests.clear();
    for (const interest of interests) {
      for (const waiter of [...interest.readers, ...interest.writers]) {
        waiter.dispose();
        waiter.reject(error);
      }
    }
  }

  #wake(): void {
    if (!this.#polling || this.#woken) return;
    this.#woken = true;
    this.#stats.wakeups++;
    const buffer = this.#wakeBuffer;
    buffer.fill(0);
    buffer[0] = 1; // eventfd: a little-endian uint64 counter increment of 1; pipe: one byte
    const length = this.#wakeIsEventfd ? 8 : 1;
    // Cannot fail with EAGAIN: at most one wake-up is unread at a time.
    if (this.#binder.write(this.#wakeWriteFd, buffer, length) === -1) {
      this.#woken = false;
      throw lastError(this.#binder, "write");
    }
  }

  #drainWakeFd(): void {
    const buffer = this.#wakeBuffer;
    // One read resets an eventfd's counter; a pipe is read until empty.
    if (this.#wakeIsEventfd) this.#binder.read(this.#wakeFd, buffer, 8);
    else while (this.#binder.read(this.#wakeFd, buffer, buffer.length) > 0);
  }

  #openWakeFd(): void {
    if (this.#wakeFd !== -1) return;
    const binder = this.#binder;
    const C = this.#C;
    if (!this.#exitHooked) {
      this.#exitHooked = true;
      binder.onExit?.(() => {
        // Last call: end the pending poll (exit would wait for it) and issue no other.
        this.#exiting = true;
        try {
          this.#wake();
        } catch {
          // exiting anyway
        }
      });
    }
    if (binder.eventfd !== undefined && C.EFD_NONBLOCK !== undefined && C.EFD_CLOEXEC !== undefined) {
      const fd = binder.eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC);
      if (fd === -1) throw lastError(binder, "eventfd");
      this.#wakeFd = fd;
      this.#wakeWriteFd = fd;
      this.#wakeIsEventfd = true;
      return;
    }
    const fds = new Uint8Array(8);
    if (binder.pipe(fds) === -1) throw lastError(binder, "pipe");
    const view = new DataView(fds.buffer);
    const readEnd = view.getInt32(0, true);
    const writeEnd = view.getInt32(4, true);
    try {
      for (const fd of [readEnd, writeEnd]) {
        fcntl(binder, fd, C.F_SETFL, fcntl(binder, fd, C.F_GETFL, 0) | C.O_NONBLOCK);
        setCloseOnExec(binder, fd);
      }
    } catch (error) {
      binder.close(readEnd);
      binder.close(writeEnd);
      throw error;
    }
    this.#wakeFd = readEnd;
    this.#wakeWriteFd = writeEnd;
    this.#wakeIsEventfd = false;
  }

  #lingering = false;

  #becomeIdle(): void {
    this.#closeWakeFd();
    const idleWaiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of idleWaiters) resolve();
  }

  #closeWakeFd(): void {
    if (this.#wakeFd === -1) return;
    this.#binder.close(this.#wakeFd);
    if (this.#wakeWriteFd !== this.#wakeFd) this.#binder.close(this.#wakeWriteFd);
    this.#wakeFd = -1;
    this.#wakeWriteFd = -1;
  }
}

function settle(waiters: Set<Waiter>): void {
  for (const waiter of waiters) {
    waiter.dispose();
    waiter.resolve();
  }
  waiters.clear();
}

function noop(): void {}

/** The poll events that `interest`'s waiters wait for. */
function eventsOf(C: SocketConstants, interest: Interest): number {
  return (interest.readers.size > 0 ? C.POLLIN : 0) | (interest.writers.size > 0 ? C.POLLOUT : 0);
}

const reactors = new WeakMap<LibcBinder, Reactor>();

/**
 * The one reactor of `binder`, created on first use.
 *
 * @example
 * ```ts
 * await getReactor(binder).waitReadable(fd, { signal: AbortSignal.timeout(1000) });
 * ```
 */
export function getReactor(binder: LibcBinder): Reactor {
  let reactor = reactors.get(binder);
  if (reactor === undefined) {
    reactor = new Reactor(binder);
    reactors.set(binder, reactor);
  }
  return reactor;
}
