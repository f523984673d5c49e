import type { MemoryClock } from "./clock.ts";

/** Link shaping of one direction: one-way latency and bandwidth. */
export interface Shaping {
  latencyMs: number;
  /** Bytes per second; `undefined` for unlimited. */
  bytesPerSecond: number | undefined;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Largest piece a shaped link moves at once, so that a slow link shows progress on a big send. */
const SEGMENT = 64 * 1024;

/**
 * One direction of a stream connection: what the sender wrote, in transit (latency, bandwidth)
 * or waiting to be read. Bounded: the sender's write waits while `capacity` bytes are buffered
 * (the send and receive buffers of a real socket pair together), which is how backpressure
 * reaches a sender whose peer does not read. The end of the stream (FIN) and a reset travel in
 * order behind the data, so a reader gets every byte sent before them and nothing after.
 */
export class Pipe {
  readonly #chunks: Uint8Array[] = [];
  #readable = 0;
  #inFlight = 0;
  #eof = false;
  #error: Error | undefined;
  /** Set once sending is impossible (reset, peer gone): writes and drain waits reject with it. */
  #sendError: Error | undefined;
  #readerGone = false;
  #paused = false;
  #reader: Waiter<Uint8Array | null> | undefined;
  readonly #drainWaiters: Array<Waiter<void>> = [];
  /** In-order transit queue of a shaped link; one timer runs for its head. */
  readonly #transit: Array<{ at: number; run: () => void }> = [];
  #timerCancel: (() => void) | undefined;
  #lastDeparture = 0;
  #lastArrival = 0;
  /** Called when data reaches a reader that has closed (the connection answers with a reset). */
  onDataAfterReaderGone: (() => void) | undefined;

  constructor(
    readonly capacity: number,
    readonly clock: MemoryClock,
    public shaping: Shaping | undefined,
  ) {}

  get buffered(): number {
    return this.#readable + this.#inFlight;
  }

  get hasUnread(): boolean {
    return this.#readable > 0 || this.#inFlight > 0;
  }

  get sendError(): Error | undefined {
    return this.#sendError;
  }

  // ---- sending side ------------------------------------------------------------------------

  /** Puts `data` on the link (the caller gave up ownership of it). */
  send(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    if (this.shaping === undefined && this.#transit.length === 0) {
      // A send of one segment or less arrives as it is: a view of it would be one more object per
      // send, and on JavaScriptCore it gives the buffer a separate ArrayBuffer with a finalizer.
      if (data.byteLength <= SEGMENT) {
        this.#arrive(data);
        return;
      }
      // Segments, as a kernel queues them: a reader that takes one chunk leaves the rest unread.
      for (let offset = 0; offset < data.byteLength; offset += SEGMENT)
        this.#arrive(data.subarray(offset, Math.min(offset + SEGMENT, data.byteLength)));
      return;
    }
    for (let offset = 0; offset < data.byteLength; offset += SEGMENT) {
      const piece = data.subarray(offset, Math.min(offset + SEGMENT, data.byteLength));
      this.#inFlight += piece.byteLength;
      this.#travel(piece.byteLength, () => {
        this.#inFlight -= piece.byteLength;
        this.#arrive(piece);
      });
    }
  }

  /** The end of the stream (FIN), behind the data already sent. */
  sendEof(): void {
    this.#travel(0, () => {
      this.#eof = true;
      this.#wakeReader();
    });
  }

  /**
   * A reset: the reader gets what was sent before it, then `error`. The sender cannot send any
   * more (`sendError`, rejected drain waits) from now on.
   */
  sendReset(error: Error, sendError: Error): void {
    this.breakSending(sendError);
    this.#travel(0, () => {
      this.#error ??= error;
      this.#wakeReader();
    });
  }

  /** Sending fails from now on with `error`; a write waiting for room rejects at once. */
  breakSending(error: Error): void {
    this.#sendError ??= error;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(this.#sendError);
  }

  /** Resolves once the buffer is below capacity again; rejects when sending broke. */
  waitForRoom(): Promise<void> {
    if (this.#sendError) return Promise.reject(this.#sendError);
    if (this.buffered < this.capacity) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Rejects the writes waiting for room with `error()`, made only if one waits (its transport is closing). */
  abortWaiters(error: () => unknown): void {
    if (this.#drainWaiters.length === 0) return;
    const reason = error();
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(reason);
  }

  // ---- receiving side ----------------------------------------------------------------------

  /** The next bytes, `null` at the end of the stream; rejects after a reset. One caller at a time. */
  read(): Promise<Uint8Array | null> {
    if (!this.#paused) {
      const chunk = this.#take();
      if (chunk !== undefined) return Promise.resolve(chunk);
      if (this.#error) return Promise.reject(this.#error);
      if (this.#eof) return Promise.resolve(null);
    }
    return new Promise((resolve, reject) => (this.#reader = { resolve, reject }));
  }

  /** The reader closed: a pending read rejects with `error()` (made only then), unread data is dropped. */
  closeReader(error: () => unknown): void {
    this.#readerGone = true;
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(error());
    this.#chunks.length = 0;
    this.#readable = 0;
    this.#wakeWriters();
  }

  /** Rejects a pending read with `error` (its socket vanished); later reads are the transport's to refuse. */
  failPendingRead(error: unknown): void {
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(error);
  }

  /** Stops handing data to the reader (a zero receive window); data keeps arriving up to capacity. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wakeReader();
  }

  // ---- internals ---------------------------------------------------------------------------

  #travel(bytes: number, run: () => void): void {
    const shaping = this.shaping;
    if (shaping === undefined && this.#transit.length === 0) {
      run();
      return;
    }
    const now = this.clock.now();
    const transmitMs = shaping?.bytesPerSecond ? (bytes * 1000) / shaping.bytesPerSecond : 0;
    const departure = Math.max(now, this.#lastDeparture) + transmitMs;
    this.#lastDeparture = departure;
    const arrival = Math.max(departure + (shaping?.latencyMs ?? 0), this.#lastArrival);
    this.#lastArrival = arrival;
    this.#transit.push({ at: arrival, run });
    if (this.#transit.length === 1) this.#armTimer();
  }

  #armTimer(): void {
    const head = this.#transit[0];
    if (head === undefined) return;
    this.#timerCancel = this.clock.schedule(head.at - this.clock.now(), () => {
      this.#timerCancel = undefined;
      // Everything due by now, in order; real timers may fire a little late, never out of order here.
      const now = this.clock.now();
      do this.#transit.shift()!.run();
      while (this.#transit.length > 0 && this.#transit[0]!.at <= now);
      this.#armTimer();
    });
  }

  #arrive(data: Uint8Array): void {
    if (this.#readerGone) {
      this.onDataAfterReaderGone?.();
      return;
    }
    if (this.#error) return; // after a reset nothing more is delivered
    this.#chunks.push(data);
    this.#readable += data.byteLength;
    this.#wakeReader();
  }

  #take(): Uint8Array | undefined {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return undefined;
    this.#readable -= chunk.byteLength;
    this.#wakeWriters();
    return chunk;
  }

  #wakeReader(): void {
    const reader = this.#reader;
    if (reader === undefined || this.#paused) return;
    const chunk = this.#take();
    if (chunk !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
    } else if (this.#error) {
      this.#reader = undefined;
      reader.reject(this.#error);
    } else if (this.#eof) {
      this.#reader = undefined;
      reader.resolve(null);
    }
  }

  #wakeWriters(): void {
    if (this.buffered >= this.capacity || this.#drainWaiters.length === 0) return;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
  }

  /** Stops the transit timer (the connection is gone on both sides). */
  dispose(): void {
    this.#timerCancel?.();
    this.#timerCancel = undefined;
    this.#transit.length = 0;
  }
}
