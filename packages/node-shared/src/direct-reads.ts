import { Buffer } from "node:buffer";
import { type OnReadOpts, Socket, type SocketConstructorOpts } from "node:net";
import { useReadCallback } from "./node-internals.ts";

/** Bytes one socket read may hand over; libuv's own read size, so each read(2) asks for as much as Node's. */
const SOCKET_READ_SIZE = 64 * 1024;

/**
 * Receives a `net.Socket`'s bytes through node:net's `onread` option, which calls back with each
 * read straight from the handle: no Readable buffer, no `'data'` event, no `process.nextTick` and
 * no `Socket._read` per chunk (on Node 20, a client's 64-byte round trip went from about 84,000
 * to 50,000 instructions, under raw node:net's 64,000 on `'data'`).
 * The option has to be given when the socket is created, before any transport exists, so the
 * reads go to a receiver attached later ({@link DirectReads.attach}). A read that comes before
 * (none should: a connecting socket reads only once connected, and the transport attaches in
 * `'connect'`) is kept and reading stops until the receiver takes it.
 *
 * Every chunk handed on is the receiver's own, and no idle socket holds a buffer of its own:
 * sockets read into one buffer shared by the whole thread (reads run one at a time, each handed
 * to its callback before the next starts), out of which each read is copied. A socket whose reads
 * fill at least half a buffer (a bulk transfer) switches to a private buffer, which it hands over
 * whole after each such read (no copy, a fresh one for the next read, as Node itself allocates
 * one per read), and back to the shared one once its reads are small again. Nothing handed on is
 * ever written to again.
 *
 * Nothing here is allocated per socket but the receiver (kept on the socket under a private
 * symbol): the option object and its two functions are one per read size for the whole thread,
 * since Node calls the callback as a method of the socket and asks for the next buffer right after
 * it, in the same turn (10,000 idle connections held about 250 bytes each in a per-socket option).
 *
 * Sockets Node creates itself (a `net.Server`'s accepted connections, node:tls's sockets over an
 * existing socket) take no `onread`; {@link DirectReads.onto} gives it to them afterwards, on Node
 * only. Elsewhere they stay on `'data'`.
 *
 * @example
 * ```ts
 * const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true, onread: DirectReads.option() });
 * socket.once("connect", () => {
 *   const transport = new NetStreamTransport(socket, { family: "inet", directReads: true });
 * });
 * ```
 */
export const DirectReads: DirectReadsFunctions = {
  option(readSize: number = SOCKET_READ_SIZE): DirectReadsOption {
    let option = options.get(readSize);
    if (option === undefined) options.set(readSize, (option = makeOption(readSize)));
    return option;
  },

  onto(socket: Socket, readSize?: number): boolean {
    return useReadCallback(socket, DirectReads.option(readSize));
  },

  attach(socket: Socket, receiver: DirectReadsReceiver): void {
    const fields = socket as unknown as ReceiverField;
    const early = fields[RECEIVER];
    if (typeof early === "function") throw new Error("DirectReads is attached to a transport already");
    fields[RECEIVER] = receiver;
    if (early !== undefined) for (const bytes of early) receiver.call(socket, bytes);
  },
};

/**
 * A `net.Socket` over an existing connected fd (adopted, accepted by libc, or connected by libc),
 * both ways open, half-open allowed, reading through {@link DirectReads}: hand it to
 * `NetStreamTransport` with `directReads: true`. Node and Deno 2.9 take `onread` in the
 * constructor as `net.connect()` does (lib/net.js); @types/node lists it for `connect()` only.
 *
 * @example
 * ```ts
 * const transport = new NetStreamTransport(directReadingSocket(fd), { family: "inet", fd, directReads: true });
 * ```
 */
export function directReadingSocket(fd: number): Socket {
  return new Socket({
    fd,
    readable: true,
    writable: true,
    allowHalfOpen: true,
    onread: DirectReads.option(),
  } as SocketConstructorOpts);
}

/** What {@link DirectReads} offers (an explicit type, as JSR wants for a public constant). */
export interface DirectReadsFunctions {
  /**
   * The `onread` option for a socket about to be created: `net.connect({ ..., onread:
   * DirectReads.option() })`. Its reads wait for {@link DirectReadsFunctions.attach}.
   *
   * @param readSize the read buffer's size: the most one read hands over. 64 KiB (libuv's own) for
   *   a socket; a TLS socket reads at most a record's plaintext (16 KiB) at a time.
   */
  option(readSize?: number): DirectReadsOption;

  /**
   * Gives direct reads to a socket that exists already (one Node made: accepted, or node:tls's);
   * false where the runtime cannot give it them afterwards, and that socket then stays on
   * `'data'`. Call it before the socket reads or between reads, as the transport is made.
   *
   * @example
   * ```ts
   * const transport = new NetStreamTransport(accepted, { family: "inet", directReads: DirectReads.onto(accepted) });
   * ```
   */
  onto(socket: Socket, readSize?: number): boolean;

  /**
   * Sends every read of `socket` (made with {@link DirectReadsFunctions.option} or given it by
   * {@link DirectReadsFunctions.onto}) to `receiver`, which returns false to stop reading (its
   * queue is full), starting with those that came before (reading stopped after each of those:
   * the receiver restarts it, `socket.read(0)`, once it has room).
   *
   * @throws Error if a receiver is attached already (one transport per socket)
   */
  attach(socket: Socket, receiver: DirectReadsReceiver): void;
}

/**
 * Takes one read's bytes, called with the socket as `this` (so one function serves every socket);
 * false stops reading from the socket until the receiver resumes it.
 */
export type DirectReadsReceiver = (this: Socket, bytes: Uint8Array) => boolean;

/** net's `onread` option, with the buffer as a function (Node asks for it again after every read). */
export type DirectReadsOption = OnReadOpts & { buffer: () => Uint8Array };

/** The socket's receiver, or the reads that came before one was attached. */
const RECEIVER = Symbol("portio.directReads");
type ReceiverField = { [RECEIVER]?: DirectReadsReceiver | Uint8Array[] } & Socket;

/** The thread's `onread` options, by read size. */
const options = new Map<number, DirectReadsOption>();

function makeOption(size: number): DirectReadsOption {
  const shared = sharedReadBuffer(size);
  /**
   * What `buffer()` hands out next: set by the callback for the socket that just read, taken by
   * `buffer()` right after it; `undefined` when that socket keeps the buffer it has.
   */
  let next: Uint8Array | undefined = shared;
  return {
    // Node and Deno keep reading into the buffer they have when this returns anything but a
    // Uint8Array (lib/internal/stream_base_commons.js, onStreamRead): a socket that goes on
    // reading into the shared buffer is given nothing, which spares Deno's node:net a
    // `useUserBuffer` call into its handle on every read (about 5% of the instructions its
    // reader spends per 64-byte round trip, callgrind, 2.9.6). The first call for a socket
    // (as its handle opens, or DirectReads.onto) never comes right after a read: it gets a buffer.
    buffer: (): Uint8Array => {
      const buffer = next;
      next = shared;
      return buffer as Uint8Array;
    },
    callback(this: Socket, length: number, buffer: Uint8Array): boolean {
      const bulk = length >= size / 2;
      let bytes: Uint8Array;
      if (bulk && buffer !== shared) {
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
      } else {
        // Copied by the typed array's slice(), not the ArrayBuffer's: V8 runs ArrayBuffer.prototype
        // .slice in C++ with a species lookup and an off-heap backing store per call (about 0.7 µs
        // for 64 bytes on Node 20 and 24), while TypedArray.prototype.slice is a JIT builtin whose
        // result, up to 64 bytes, lives on the JS heap (under 0.1 µs; a scavenge frees it, no
        // backing store to sweep). `buffer` is the plain Uint8Array `buffer()` gave out (Node, Bun
        // and Deno hand back the same object), never a Buffer, whose slice() would not copy.
        bytes = buffer.slice(0, length);
      }
      const fields = this as unknown as ReceiverField;
      const receiver = fields[RECEIVER];
      let reading = false;
      // Called as the socket's method: the receiver finds its transport through `this`.
      if (typeof receiver === "function") reading = (fields[RECEIVER] as DirectReadsReceiver)(bytes);
      else if (receiver === undefined) fields[RECEIVER] = [bytes];
      else receiver.push(bytes);
      // Set last, once nothing here can throw: a `next` left `undefined` would reach the first
      // `buffer()` call of another socket.
      next = bulk ? freshReadBuffer(size) : buffer === shared ? undefined : shared;
      return reading;
    },
  };
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
