import type { CallOptions } from "../abc/resource.ts";
import type { ObjectReceiveStream, ObjectSendStream } from "../abc/streams.ts";
import { BrokenResourceError, ClosedResourceError, EndOfStream, WouldBlock } from "../errors.ts";
import { throwIfAborted } from "../internal/abort.ts";
import { AsyncResourceBase, ReceiveStreamBase } from "../resource-base.ts";

/**
 * In-process object channels with AnyIO's `create_memory_object_stream` semantics: a bounded
 * buffer (0 = rendezvous), cloneable ends, and precise errors when either side goes away.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(10);
 * await send.send("hello");
 * await receive.receive(); // "hello"
 * ```
 * @module
 */

/**
 * A snapshot of a memory object stream's state, shared by all clones of both ends.
 *
 * @example
 * ```ts
 * const { currentBufferUsed, maxBufferSize } = send.statistics();
 * if (currentBufferUsed === maxBufferSize) console.warn("consumer is falling behind");
 * ```
 */
export interface MemoryObjectStreamStatistics {
  /** Items stored in the buffer. */
  currentBufferUsed: number;
  /** How many items the buffer can hold (`Infinity` for unbounded). */
  maxBufferSize: number;
  /** Send-stream clones not yet closed. */
  openSendStreams: number;
  /** Receive-stream clones not yet closed. */
  openReceiveStreams: number;
  /** Calls blocked in `send()`. */
  tasksWaitingSend: number;
  /** Calls blocked in `receive()`. */
  tasksWaitingReceive: number;
}

interface ReceiveWaiter<T> {
  readonly owner: MemoryObjectReceiveStream<T>;
  deliver(item: T): void;
  fail(error: unknown): void;
}

interface SendWaiter<T> {
  readonly owner: MemoryObjectSendStream<T>;
  readonly item: T;
  accepted(): void;
  fail(error: unknown): void;
}

/**
 * FIFO with O(1) shift: `Array.prototype.shift` is O(n), which matters for an unbounded buffer
 * that a fast producer has filled.
 */
class Queue<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T {
    const item = this.#items[this.#head]!;
    (this.#items as unknown[])[this.#head] = undefined; // let the item be collected
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** The state both ends and all their clones share. */
class MemoryObjectStreamState<T> {
  readonly buffer = new Queue<T>();
  openSendStreams = 0;
  openReceiveStreams = 0;
  // Sets iterate in insertion order, so the first entry is the longest waiter, and an aborted
  // waiter can leave from the middle in O(1).
  readonly waitingReceivers = new Set<ReceiveWaiter<T>>();
  readonly waitingSenders = new Set<SendWaiter<T>>();

  constructor(readonly maxBufferSize: number) {}

  statistics(): MemoryObjectStreamStatistics {
    return {
      currentBufferUsed: this.buffer.length,
      maxBufferSize: this.maxBufferSize,
      openSendStreams: this.openSendStreams,
      openReceiveStreams: this.openReceiveStreams,
      tasksWaitingSend: this.waitingSenders.size,
      tasksWaitingReceive: this.waitingReceivers.size,
    };
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) {
    set.delete(value);
    return value;
  }
  return undefined;
}

const NOTHING: unique symbol = Symbol("nothing");

// The constructors are private so that the shared state never shows in the public API; these
// are set by the classes' static blocks, which may call them.
let newReceiveStream: <T>(state: MemoryObjectStreamState<T>) => MemoryObjectReceiveStream<T>;
let newSendStream: <T>(state: MemoryObjectStreamState<T>) => MemoryObjectSendStream<T>;

/**
 * The receiving end of a memory object stream. Each clone counts as one open receiver; senders
 * see the stream as broken only once every clone is closed.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<number>();
 * for await (const n of receive) console.log(n); // ends when every send clone is closed
 * ```
 */
export class MemoryObjectReceiveStream<T> extends ReceiveStreamBase<T> implements ObjectReceiveStream<T> {
  readonly #state: MemoryObjectStreamState<T>;
  #closed = false;

  static {
    newReceiveStream = (state) => new MemoryObjectReceiveStream(state);
  }

  /** Use {@link createMemoryObjectStream} or {@link MemoryObjectReceiveStream.clone}. */
  private constructor(state: MemoryObjectStreamState<T>) {
    super();
    this.#state = state;
    state.openReceiveStreams++;
  }

  /**
   * Takes the next item without waiting.
   *
   * @example
   * ```ts
   * try { handle(receive.receiveNowait()); } catch (e) { if (!(e instanceof WouldBlock)) throw e; }
   * ```
   * @throws ClosedResourceError if this clone is closed
   * @throws EndOfStream if the buffer is empty and every send clone is closed
   * @throws WouldBlock if nothing is available yet
   */
  receiveNowait(): T {
    const item = this.#take();
    if (item === NOTHING) throw new WouldBlock();
    return item;
  }

  /**
   * Resolves with the next item, waiting for one if needed. An abort rejects with
   * `signal.reason` and takes nothing: an item is either handed to this call or left for the
   * next receiver, never lost.
   *
   * @example
   * ```ts
   * const item = await receive.receive({ signal: AbortSignal.timeout(1000) });
   * ```
   * @throws ClosedResourceError if this clone is (or gets) closed
   * @throws EndOfStream once the buffer is empty and every send clone is closed
   */
  receive(options: CallOptions = {}): Promise<T> {
    const { signal } = options;
    try {
      // Like AnyIO's checkpoint: an already-aborted call must not take an item.
      throwIfAborted(signal);
      const item = this.#take();
      if (item !== NOTHING) return Promise.resolve(item);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const state = this.#state;
      // Everything below runs synchronously with the sender that settles it, so a waiter is
      // either still queued (and an abort withdraws it) or already has its item (and keeps it).
      const onAbort = () => {
        state.waitingReceivers.delete(waiter);
        reject(signal!.reason);
      };
      const waiter: ReceiveWaiter<T> = {
        owner: this,
        deliver(item) {
          signal?.removeEventListener("abort", onAbort);
          resolve(item);
        },
        fail(error) {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      state.waitingReceivers.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Another receiving end on the same stream, closed independently.
   *
   * @example
   * ```ts
   * const worker2 = receive.clone();
   * ```
   * @throws ClosedResourceError if this clone is closed
   */
  clone(): MemoryObjectReceiveStream<T> {
    if (this.#closed) throw new ClosedResourceError();
    return new MemoryObjectReceiveStream(this.#state);
  }

  /**
   * Closes this clone synchronously (for callbacks that cannot await). A `receive()` pending on
   * this clone rejects with `ClosedResourceError`; when the last receive clone closes, waiting
   * senders reject with `BrokenResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * receive.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.openReceiveStreams--;
    for (const waiter of state.waitingReceivers) {
      if (waiter.owner === this) {
        state.waitingReceivers.delete(waiter);
        waiter.fail(new ClosedResourceError());
      }
    }
    if (state.openReceiveStreams === 0) {
      const senders = [...state.waitingSenders];
      state.waitingSenders.clear();
      for (const sender of senders) sender.fail(new BrokenResourceError());
    }
  }

  /** Same as {@link close}; exists for the `AsyncResource` contract. */
  async aclose(): Promise<void> {
    this.close();
  }

  /**
   * The shared state of this stream.
   *
   * @example
   * ```ts
   * receive.statistics().currentBufferUsed;
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return this.#state.statistics();
  }

  /** Closes it when a `using` block ends: the same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  // Returns NOTHING instead of throwing WouldBlock: blocking is the common case for receive(),
  // and building an Error (with its stack) for it on every call would be wasteful.
  #take(): T | typeof NOTHING {
    if (this.#closed) throw new ClosedResourceError();
    const state = this.#state;
    const sender = first(state.waitingSenders);
    if (sender !== undefined) {
      // Through the buffer, not straight out: items already buffered were sent first.
      state.buffer.push(sender.item);
      sender.accepted();
    }
    if (state.buffer.length > 0) return state.buffer.shift();
    if (state.openSendStreams === 0) throw new EndOfStream();
    return NOTHING;
  }
}

/**
 * The sending end of a memory object stream. Each clone counts as one open sender; receivers
 * see end-of-stream only once every clone is closed.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(1);
 * await using _ = send;
 * await send.send("job");
 * ```
 */
export class MemoryObjectSendStream<T> extends AsyncResourceBase implements ObjectSendStream<T> {
  readonly #state: MemoryObjectStreamState<T>;
  #closed = false;

  static {
    newSendStream = (state) => new MemoryObjectSendStream(state);
  }

  /** Use {@link createMemoryObjectStream} or {@link MemoryObjectSendStream.clone}. */
  private constructor(state: MemoryObjectStreamState<T>) {
    super();
    this.#state = state;
    state.openSendStreams++;
  }

  /**
   * Hands `item` to a waiting receiver or the buffer without waiting.
   *
   * @example
   * ```ts
   * send.sendNowait(event); // from a synchronous callback
   * ```
   * @throws ClosedResourceError if this clone is closed
   * @throws BrokenResourceError if every receive clone is closed
   * @throws WouldBlock if the buffer is full and no receiver is waiting
   */
  sendNowait(item: T): void {
    if (!this.#offer(item)) throw new WouldBlock();
  }

  /**
   * Sends `item`, waiting while the buffer is full. An abort rejects with `signal.reason` and
   * withdraws the item, unless a receiver already took it (then the send resolves).
   *
   * @example
   * ```ts
   * await send.send(item, { signal });
   * ```
   * @throws ClosedResourceError if this clone is (or gets) closed
   * @throws BrokenResourceError if every receive clone is (or gets) closed
   */
  send(item: T, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    try {
      throwIfAborted(signal);
      if (this.#offer(item)) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const state = this.#state;
      const onAbort = () => {
        state.waitingSenders.delete(waiter);
        reject(signal!.reason);
      };
      const waiter: SendWaiter<T> = {
        owner: this,
        item,
        accepted() {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        fail(error) {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      state.waitingSenders.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Another sending end on the same stream, closed independently.
   *
   * @example
   * ```ts
   * const producer2 = send.clone();
   * ```
   * @throws ClosedResourceError if this clone is closed
   */
  clone(): MemoryObjectSendStream<T> {
    if (this.#closed) throw new ClosedResourceError();
    return new MemoryObjectSendStream(this.#state);
  }

  /**
   * Closes this clone synchronously. A `send()` pending on this clone rejects with
   * `ClosedResourceError` and its item is withdrawn; when the last send clone closes, waiting
   * receivers get `EndOfStream` (buffered items are still delivered first). Idempotent.
   *
   * @example
   * ```ts
   * send.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.openSendStreams--;
    for (const waiter of state.waitingSenders) {
      if (waiter.owner === this) {
        state.waitingSenders.delete(waiter);
        waiter.fail(new ClosedResourceError());
      }
    }
    if (state.openSendStreams === 0) {
      const receivers = [...state.waitingReceivers];
      state.waitingReceivers.clear();
      for (const receiver of receivers) receiver.fail(new EndOfStream());
    }
  }

  /** Same as {@link close}; exists for the `AsyncResource` contract. */
  async aclose(): Promise<void> {
    this.close();
  }

  /**
   * The shared state of this stream.
   *
   * @example
   * ```ts
   * send.statistics().tasksWaitingReceive;
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return this.#state.statistics();
  }

  /** Closes it when a `using` block ends: the same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** True if the item was taken; false where `sendNowait` would throw `WouldBlock`. */
  #offer(item: T): boolean {
    if (this.#closed) throw new ClosedResourceError();
    const state = this.#state;
    if (state.openReceiveStreams === 0) throw new BrokenResourceError();
    // Aborted receivers have already left the queue (abort listeners run synchronously), so
    // unlike AnyIO there is no "pending cancellation" to skip here.
    const receiver = first(state.waitingReceivers);
    if (receiver !== undefined) {
      receiver.deliver(item);
      return true;
    }
    if (state.buffer.length < state.maxBufferSize) {
      state.buffer.push(item);
      return true;
    }
    return false;
  }
}

/**
 * Creates an in-memory object channel. `maxBufferSize` items can be sent without a receiver
 * waiting; 0 (the default) makes every `send` wait for a `receive`; `Infinity` never blocks.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(100);
 * queueMicrotask(async () => {
 *   await send.send("a");
 *   send.close();
 * });
 * for await (const item of receive) console.log(item);
 * ```
 * @throws RangeError if `maxBufferSize` is negative, or neither an integer nor `Infinity`
 */
export function createMemoryObjectStream<T>(maxBufferSize = 0): [MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>] {
  if (maxBufferSize !== Infinity && !Number.isInteger(maxBufferSize)) {
    throw new RangeError("maxBufferSize must be either an integer or Infinity");
  }
  if (maxBufferSize < 0) throw new RangeError("maxBufferSize cannot be negative");
  const state = new MemoryObjectStreamState<T>(maxBufferSize);
  return [newSendStream(state), newReceiveStream(state)];
}
