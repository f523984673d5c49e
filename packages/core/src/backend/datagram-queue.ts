import type { IPSocketAddress, SocketAddress } from "../addresses.ts";
import { deferred } from "../internal/abort.ts";
import { DATAGRAM_IMMEDIATE_BUDGET, nextTurn } from "../internal/turns.ts";

/** Default number of datagrams a {@link DatagramQueue} holds before it drops new ones. */
export const DEFAULT_DATAGRAM_QUEUE_SIZE = 1024;

/**
 * The bounded receive queue of push-style datagram transports (a runtime that hands over every
 * datagram as an event, with no way to pause). The drop policy is the kernel's: when the queue is
 * full, the NEWEST datagram is dropped and counted in `dropped`, exactly as a full socket receive
 * buffer would drop it. Unreliable transports may lose datagrams; what they must not do is grow
 * without bound when nobody receives.
 *
 * @example
 * ```ts
 * const queue = new DatagramQueue();
 * socket.on("message", (data, rinfo) => queue.push(data, [rinfo.address, rinfo.port]));
 * socket.on("error", (error) => queue.fail(error));
 * const [data, sender] = await queue.shift();
 * ```
 */
export class DatagramQueue {
  readonly #items: Array<[Uint8Array, SocketAddress]> = [];
  #head = 0;
  #waiter: DatagramWaiter | undefined;
  #failure: { error: unknown } | undefined;
  /** How many datagrams were dropped because the queue was full. */
  dropped = 0;

  /** A queue holding at most `capacity` datagrams. */
  constructor(readonly capacity: number = DEFAULT_DATAGRAM_QUEUE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  /** How many datagrams wait. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds a datagram, or drops it (and counts it) when the queue is full. */
  push(data: Uint8Array, sender: SocketAddress): void {
    if (this.#failure) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve([data, sender]);
    } else if (this.size < this.capacity) {
      this.#items.push([data, sender]);
    } else {
      this.dropped++;
    }
  }

  /** The last IP sender {@link pushFrom} saw, as the frozen tuple it hands out and as plain fields. */
  #lastSender: IPSocketAddress = Object.freeze(["", 0] as const);
  #lastHost = "";
  #lastPort = 0;

  /**
   * {@link push} for a datagram from an IP sender given as host and port (what node:dgram's
   * `rinfo` and Bun's `data` handler give). While datagrams keep coming from the same sender (a
   * stream from one peer is the common case) they share one tuple, frozen since every receive
   * hands it out. The sender is compared through plain fields, not the tuple's elements: Node 20's
   * optimizing compiler does not inline element loads from a frozen array, nor does
   * JavaScriptCore's fast path take them (Valgrind, receive loops: about 140 instructions per
   * datagram on Node 20, 380 on Bun).
   *
   * @example
   * ```ts
   * socket.on("message", (data, rinfo) => queue.pushFrom(data, rinfo.address, rinfo.port));
   * ```
   */
  pushFrom(data: Uint8Array, host: string, port: number): void {
    if (port !== this.#lastPort || host !== this.#lastHost) {
      this.#lastSender = Object.freeze([host, port] as const);
      this.#lastHost = host;
      this.#lastPort = port;
    }
    this.push(data, this.#lastSender);
  }

  /** Fails the waiting and all future `shift()` calls once the queue is empty. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    // A microtask later, as a promise's rejection would be seen: whoever fails the queue (a
    // transport's close(), called by core's aclose()) has returned by then, so a waiting
    // shiftTo() callback sees the close as a close.
    if (waiter && this.size === 0) queueMicrotask(() => waiter.reject(error));
  }

  /** `shift()` calls answered from the queue since the last one that waited. */
  #answeredWithoutWaiting = 0;

  /**
   * The oldest datagram, waiting for one if needed. One caller at a time. Every
   * {@link DATAGRAM_IMMEDIATE_BUDGET}-th call in a row that finds one queued first lets the event loop
   * turn: a receive loop over a full queue would otherwise run on microtasks alone.
   */
  shift(): Promise<[Uint8Array, SocketAddress]> {
    if (this.size > 0) {
      if (++this.#answeredWithoutWaiting >= DATAGRAM_IMMEDIATE_BUDGET) {
        this.#answeredWithoutWaiting = 0;
        // Taken after the turn: a caller that gave up meanwhile (core keeps this promise for its
        // next receive) loses nothing, and a fail() meanwhile still comes after what is queued.
        return nextTurn().then(() => this.shift());
      }
      return Promise.resolve(this.#dequeue());
    }
    if (this.#failure) return Promise.reject(this.#failure.error);
    this.#answeredWithoutWaiting = 0;
    const waiter = deferred<[Uint8Array, SocketAddress]>();
    this.#waiter = waiter;
    return waiter.promise;
  }

  /**
   * {@link shift} with callbacks instead of a promise: exactly one of them is called, once, and
   * never synchronously. For a transport's `receiveWithCallback()`: when nothing is queued, as in
   * a receive loop on Node (which runs the microtasks after every datagram event, so the loop
   * catches up each time), the caller's own promise is then the only one.
   */
  shiftTo(resolve: (datagram: [Uint8Array, SocketAddress]) => void, reject: (error: unknown) => void): void {
    if (this.size > 0 || this.#failure) {
      this.shift().then(resolve, reject);
      return;
    }
    this.#answeredWithoutWaiting = 0;
    this.#waiter = { resolve, reject };
  }

  /**
   * The oldest datagram, synchronously, when one is queued and {@link shift} would answer with it
   * at once; `undefined` when `shift()` has to be called instead (nothing queued, or the turn
   * that every {@link DATAGRAM_IMMEDIATE_BUDGET}-th answer in a row takes is due). For a
   * transport's `tryReceive()`.
   */
  take(): [Uint8Array, SocketAddress] | undefined {
    if (this.size === 0 || this.#answeredWithoutWaiting + 1 >= DATAGRAM_IMMEDIATE_BUDGET) return undefined;
    this.#answeredWithoutWaiting++;
    return this.#dequeue();
  }

  #dequeue(): [Uint8Array, SocketAddress] {
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as never;
    // Compact now and then so a long-lived queue does not keep a growing array.
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** The one `shift()` or `shiftTo()` waiting for a datagram. */
interface DatagramWaiter {
  resolve(datagram: [Uint8Array, SocketAddress]): void;
  reject(error: unknown): void;
}
