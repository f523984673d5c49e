import { Buffer } from "node:buffer";
import type { OnReadOpts, Socket } from "node:net";
import { useReadCallback } from "./node-internals.ts";

/** Bytes one socket read may hand over; libuv's own read size, so each read(2) asks for as much as Node's. */
const SOCKET_READ_SIZE = 64 * 1024;

/**
 * Receives a `net.Socket`'s bytes through node:net's `onread` option, which calls back with each
 * read straight from the handle: no Readable buffer, no `'data'` event, no `process.nextTick` and
 * no `Socket._read` per chunk (on Node 20, a client's 64-byte round trip went from about 84,000
 * to 50,000 instructions, under raw node:net's 64,000 on `'data'`).
 * The option has to be given when the socket is created, before any transport exists, so the
 * reads go to a receiver attached later ({@link attach}). A read that comes before (none should:
 * a connecting socket reads only once connected, and the transport attaches in `'connect'`) is
 * kept and reading stops until the receiver takes it.
 *
 * Every chunk handed on is the receiver's own, and no idle socket holds a buffer of its own:
 * sockets read into one buffer shared by the whole thread (reads run one at a time, each handed
 * to its callback before the next starts), out of which each read is copied. A socket whose reads
 * fill at least half a buffer (a bulk transfer) switches to a private buffer, which it hands over
 * whole after each such read (no copy, a fresh one for the next read, as Node itself allocates
 * one per read), and back to the shared one once its reads are small again. Nothing handed on is
 * ever written to again.
 *
 * Sockets Node creates itself (a `net.Server`'s accepted connections, node:tls's sockets over an
 * existing socket) take no `onread`; {@link DirectReads.onto} gives it to them afterwards, on Node
 * only. Elsewhere they stay on `'data'`.
 *
 * @example
 * ```ts
 * const reads = new DirectReads();
 * const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true, onread: reads.onread });
 * socket.once("connect", () => {
 *   const transport = new NetStreamTransport(socket, { family: "inet", directReads: reads });
 * });
 * ```
 */
export class DirectReads {
  readonly #readSize: number;
  /** The buffer the socket's next read goes to: the shared one, or a private one while in bulk. */
  #buffer: Uint8Array;
  #receiver: ((bytes: Uint8Array) => boolean) | undefined;
  /** Reads that came before a receiver was attached. */
  #early: Uint8Array[] = [];

  /**
   * Direct reads for a socket that exists already (one Node made: accepted, or node:tls's), or
   * `undefined` where the runtime cannot give it them afterwards; that socket then stays on
   * `'data'`. Call it before the socket reads or between reads, as the transport is made.
   *
   * @example
   * ```ts
   * const transport = new NetStreamTransport(accepted, { family: "inet", directReads: DirectReads.onto(accepted) });
   * ```
   */
  static onto(socket: Socket, readSize?: number): DirectReads | undefined {
    const reads = new DirectReads(readSize);
    return useReadCallback(socket, reads.onread) ? reads : undefined;
  }

  /**
   * Reads for one socket that portio creates: pass {@link DirectReads.onread} when creating it.
   *
   * @param readSize the read buffer's size: the most one read hands over. 64 KiB (libuv's own) for
   *   a socket; a TLS socket reads at most a record's plaintext (16 KiB) at a time.
   */
  constructor(readSize: number = SOCKET_READ_SIZE) {
    this.#readSize = readSize;
    this.#buffer = sharedReadBuffer(readSize);
  }

  /** The socket option: `net.connect({ ..., onread: reads.onread })`. */
  readonly onread: OnReadOpts & { buffer: () => Uint8Array } = {
    // Node asks for the buffer again after every read, so the replacement takes effect at once.
    buffer: () => this.#buffer,
    callback: (length: number, buffer: Uint8Array): boolean => {
      const size = this.#readSize;
      const bulk = length >= size / 2;
      let bytes: Uint8Array;
      if (bulk && buffer !== sharedReadBuffer(size)) {
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
      } else {
        bytes = new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + length));
      }
      this.#buffer = bulk ? freshReadBuffer(size) : sharedReadBuffer(size);
      // false stops reading from the socket until the receiver resumes it (socket.read(0)).
      if (this.#receiver !== undefined) return this.#receiver(bytes);
      this.#early.push(bytes);
      return false;
    },
  };

  /**
   * Sends every read to `receiver`, which returns false to stop reading (its queue is full),
   * starting with those that came before (reading stopped after each of those: the receiver
   * restarts it, `socket.read(0)`, once it has room).
   *
   * @throws Error if a receiver is attached already (one transport per socket)
   */
  attach(receiver: (bytes: Uint8Array) => boolean): void {
    if (this.#receiver !== undefined) throw new Error("DirectReads is attached to a transport already");
    this.#receiver = receiver;
    const early = this.#early;
    this.#early = [];
    for (const bytes of early) receiver(bytes);
  }
}

/** The thread's shared read buffers, by size. */
const sharedBuffers = new Map<number, Uint8Array>();

function sharedReadBuffer(size: number): Uint8Array {
  let buffer = sharedBuffers.get(size);
  if (buffer === undefined) sharedBuffers.set(size, (buffer = freshReadBuffer(size)));
  return buffer;
}

/** Uninitialised memory (no zero-filling): every byte handed on was written by a read first. */
function freshReadBuffer(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}
