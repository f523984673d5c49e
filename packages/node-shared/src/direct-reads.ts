import { Buffer } from "node:buffer";
import type { OnReadOpts, Socket } from "node:net";
import { useReadCallback } from "./node-internals.ts";

/** Bytes one socket read may hand over; libuv's own read size, so each read(2) asks for as much as Node's. */
const SOCKET_READ_SIZE = 64 * 1024;

/**
 * Receives a `net.Socket`'s bytes through node:net's `onread` option, which calls back with each
 * read straight from the handle: no Readable buffer, no `'data'` event, no `process.nextTick` and
 * no `Socket._read` per chunk (Node's `'data'` path costs about a sixth of a 64-byte round trip).
 * The option has to be given when the socket is created, before any transport exists, so the
 * reads go to a receiver attached later ({@link attach}). A read that comes before (none should:
 * a connecting socket reads only once connected, and the transport attaches in `'connect'`) is
 * kept and reading stops until the receiver takes it.
 *
 * Every chunk handed on is the receiver's own: a read of at least half the buffer takes the buffer
 * itself and leaves a fresh one behind; a smaller one is copied out of the reused buffer, so that a
 * 64-byte message does not keep 64 KiB alive. Nothing handed on is ever overwritten.
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
   * @param readSize the read buffer's size: the most one read hands over. 64 KiB (libuv's own) for
   *   a socket; a TLS socket reads at most a record's plaintext (16 KiB) at a time.
   */
  constructor(readSize: number = SOCKET_READ_SIZE) {
    this.#readSize = readSize;
    this.#buffer = freshReadBuffer(readSize);
  }

  /** The socket option: `net.connect({ ..., onread: reads.onread })`. */
  readonly onread: OnReadOpts & { buffer: () => Uint8Array } = {
    // Node asks for the buffer again after every read, so the replacement takes effect at once.
    buffer: () => this.#buffer,
    callback: (length: number, buffer: Uint8Array): boolean => {
      let bytes: Uint8Array;
      if (length >= this.#readSize / 2) {
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
        this.#buffer = freshReadBuffer(this.#readSize);
      } else {
        bytes = new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + length));
      }
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

/** Uninitialised memory (no zero-filling): every byte handed on was written by a read first. */
function freshReadBuffer(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}
