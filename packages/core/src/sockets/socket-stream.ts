import { joinChunks } from "../internal/bytes.ts";
import type { AddressFamily, SocketAddress } from "../addresses.ts";
import type { CallOptions } from "../abc/resource.ts";
import type { ByteStream } from "../abc/streams.ts";
import type { ReadSink, StreamTransport } from "../backend/transports.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream, PortioError } from "../errors.ts";
import {
  capturedReject,
  capturedResolve,
  checkMaxBytes,
  pendingPromise,
  raceAbort,
  silenced,
  throwIfAborted,
} from "../internal/abort.ts";
import { SocketAttribute } from "../socket-attributes.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ReceiveStreamBase } from "../resource-base.ts";
import type { SocketLike } from "../adoption/validate.ts";
// Not the adoption code itself: see adopters.ts for why.
import { adopters } from "../adoption/adopters.ts";
import { checkKeepAlive, checkNoDelay, type TCPKeepAlive } from "./tcp-options.ts";
import { IMMEDIATE_BUDGET, nextTurn } from "../internal/turns.ts";
import type { BackendTCPOptions } from "../backend/backend.ts";

/**
 * What a {@link StreamTransport}'s `write()` returns when the runtime took all the bytes at once
 * (or below its high-water mark): one settled promise for every such write. `send()` then
 * completes without a settle step of its own, so a small message costs no promise and no
 * microtask beyond the caller's own await.
 *
 * @example
 * ```ts
 * write(data: Uint8Array): Promise<void> {
 *   if (this.socket.write(data)) return WRITTEN;
 *   return this.#waitForDrain();
 * }
 * ```
 */
export const WRITTEN: Promise<void> = Promise.resolve();

/**
 * What a {@link StreamTransport}'s `close()` returns when it released the socket within the call
 * (nothing to flush, the runtime closes at once): one fulfilled promise for every such close.
 * `aclose()` then needs no rejection handler of its own, which would be one more promise and one
 * more microtask per connection.
 *
 * @example
 * ```ts
 * close(flushTimeoutMs: number): Promise<void> {
 *   if (this.#unwrittenBytes === 0) {
 *     this.socket.end(); // releases the fd inside the call
 *     return CLOSED;
 *   }
 *   return this.#flushThenEnd(flushTimeoutMs);
 * }
 * ```
 */
export const CLOSED: Promise<void> = Promise.resolve();

/** How long `aclose()` waits for already-accepted bytes to reach the kernel before dropping them. */
export const GRACEFUL_CLOSE_TIMEOUT_MS = 5_000;

/** The two ends of a readWith() read, given by {@link SocketStream}'s static block (they reach its private state). */
let settleReadWith: {
  resolve(stream: SocketStream, chunk: Uint8Array | null): void;
  reject(stream: SocketStream, error: unknown): void;
};

/** The streams whose send was taken at once in this turn: busy until the next microtask. */
const sentAtOnce: SocketStream[] = [];
/** Clears the busy flag of every stream in {@link sentAtOnce}; set by {@link SocketStream}'s static block. */
let clearSentAtOnce: () => void;

/** How much `receive()` without `maxBytes` (and each step of `for await`) takes at most. */
const DEFAULT_RECEIVE_BYTES = 65536;

/**
 * A connected byte stream over a TCP or Unix socket, the same on every backend.
 *
 * Obtain one from {@link connectTcp}, a listener's `accept()`/`serve()`, or {@link SocketStream.fromSocket}.
 * All decisions are made here rather than in the backends: a receive that is aborted keeps its
 * bytes for the next receive; a second concurrent receive or send is a `BusyResourceError`;
 * `aclose()` wakes pending calls with `ClosedResourceError`; runtime errors become
 * `BrokenResourceError` with the runtime's error as `cause`.
 *
 * @example
 * ```ts
 * const stream = await connectTcp("127.0.0.1", 8080);
 * await stream.send(new TextEncoder().encode("hello"));
 * const reply = await stream.receive(1024, { signal: AbortSignal.timeout(1_000) });
 * await stream.aclose();
 * ```
 */
export class SocketStream extends ReceiveStreamBase<Uint8Array> implements ByteStream {
  /** @internal */
  protected readonly transport: StreamTransport;
  // What a ResourceGuard would hold, as two flags: every connection has a stream, and the two
  // guard objects were a good part of an idle stream's memory.
  /** A receive (or `receiveFds`) is running; a second one is a `BusyResourceError`. */
  #receiving = false;
  /** A send (or `sendFds`) is running. */
  #sending = false;
  /** Bytes the transport delivered that no receive has returned yet (kept across cancellation). */
  #pending: Uint8Array | undefined;
  #pendingRead: Promise<Uint8Array | null> | undefined;
  #pendingWrite: Promise<void> | undefined;
  #readFailure: { error: unknown } | undefined;
  #writeFailure: { error: unknown } | undefined;
  #atEof = false;
  #eofSent = false;
  #closing: Promise<void> | undefined;
  #cachedLocal: SocketAddress | undefined;
  #cachedRemote: SocketAddress | undefined;

  /**
   * Wraps a backend transport. Applications get streams from `connectTcp`, listeners or
   * `fromSocket`; backends and tests construct them directly.
   */
  constructor(transport: StreamTransport) {
    super();
    this.transport = transport;
  }

  /**
   * Adopts a connected stream socket: an fd, or the runtime's own socket object (Node:
   * `net.Socket`). An AF_UNIX socket comes back as a {@link UNIXSocketStream}. Refused with
   * `InvalidSocketError` (`NOT_CONNECTED`, `TYPE_MISMATCH`, `ENOTSOCK`, `EBADF`), the fd then left
   * open and unchanged; on success the stream owns the fd and `aclose()` closes it.
   *
   * @example
   * ```ts
   * const stream = await SocketStream.fromSocket(3); // a connected socket inherited as fd 3
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<SocketStream> {
    return (await adopters().stream(socket, false)) as SocketStream;
  }

  /** Receives 1 to `maxBytes` bytes; see {@link ByteStream.receive}. */
  receive(maxBytes = DEFAULT_RECEIVE_BYTES, options?: CallOptions): Promise<Uint8Array> {
    // Written with one `.then` and handlers made once per stream instead of nested async
    // functions: each await between the runtime's read and the caller costs an event-loop step
    // (lost throughput on Deno), and each closure per call is garbage (small messages). The
    // checks and their order are the same as in the plain version.
    try {
      checkMaxBytes(maxBytes);
      this.#enterReceive();
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    try {
      if (this.#closing) throw new ClosedResourceError();
      throwIfAborted(signal);
      if (this.#pending !== undefined) {
        if (++this.#answeredWithoutWaiting >= IMMEDIATE_BUDGET) return this.#receiveAfterTurn(maxBytes, options);
        const chunk = this.#take(maxBytes);
        this.#receiving = false;
        return Promise.resolve(chunk);
      }
      if (this.#readFailure) throw brokenBy(this.#readFailure.error);
      if (this.#atEof) throw new EndOfStream();
    } catch (error) {
      this.#receiving = false;
      return Promise.reject(error);
    }
    this.#receiveSignal = signal;
    this.#receiveMaxBytes = maxBytes;
    if (this.transport.exactReads === true && this.#pendingRead === undefined) {
      return this.transport.read(maxBytes, signal).then(this.#onRead(), this.#onReadFailed());
    }
    if (signal === undefined && this.#pendingRead === undefined) {
      // Nothing can abandon this read but aclose(), which the rejection handler covers: no need
      // to keep it, or to silence it, for a later receive.
      if (this.transport.readWith !== undefined) return this.#readWith<Uint8Array>();
      return this.transport.read().then(this.#onRead(), this.#onReadFailed());
    }
    const read = (this.#pendingRead ??= silenced(this.transport.read()));
    return raceAbort(read, signal).then(this.#onRead(), this.#onReadFailed());
  }

  /**
   * Iterates over received chunks until the stream ends, as {@link ReceiveStreamBase}'s iterator
   * does. When a receive would take the {@link StreamTransport.readWith} path, the read settles the
   * iterator's promise with the iterator result itself: `receive().then(item)` cost a promise and a
   * microtask per chunk on top of it (bulk transfers on Deno read every chunk this way).
   */
  override [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: () => this.#nextItem(),
      return: () => Promise.resolve(ITERATION_DONE),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** The iterator's next result: receive()'s readWith path, else receive() itself. */
  #nextItem(): Promise<IteratorResult<Uint8Array>> {
    // The readWith branch of receive() with no signal and the default maxBytes; anything else
    // (a busy, closed, failed or finished stream, bytes left over, a read still pending) goes
    // through receive() and its checks.
    if (
      this.transport.readWith === undefined ||
      this.transport.exactReads === true ||
      this.#receiving ||
      this.#closing !== undefined ||
      this.#pending !== undefined ||
      this.#pendingRead !== undefined ||
      this.#readFailure !== undefined ||
      this.#atEof
    ) {
      return this.receive().then(itemOf, (this.#iterationEnd ??= (error) => this.#endIteration(error)));
    }
    this.#receiving = true;
    this.#receiveSignal = undefined;
    this.#receiveMaxBytes = DEFAULT_RECEIVE_BYTES;
    this.#receiveAsItem = true;
    return this.#readWith<IteratorResult<Uint8Array>>();
  }

  /**
   * Starts a {@link StreamTransport.readWith} read, settled from {@link #readSink}: a chunk, or the
   * iterator's result when {@link #receiveAsItem} is set. The promise's settle functions go to two
   * fields, with no Deferred object around them.
   */
  #readWith<T>(): Promise<T> {
    const call = pendingPromise<T>();
    this.#receiveResolve = capturedResolve;
    this.#receiveReject = capturedReject;
    this.transport.readWith!((this.#readSink ??= new StreamReadSink(this)));
    return call;
  }

  #iterationEnd: ((error: unknown) => IteratorResult<Uint8Array>) | undefined;

  /** How an error ends iteration: quietly if {@link endsIteration} says so, else thrown. */
  #endIteration(error: unknown): IteratorResult<Uint8Array> {
    if (this.endsIteration(error)) return ITERATION_DONE;
    throw error;
  }

  /**
   * Receives answered from `#pending` since a read last left bytes there: at
   * {@link IMMEDIATE_BUDGET} the next one first lets the event loop turn.
   */
  #answeredWithoutWaiting = 0;

  /**
   * receive() after an event-loop turn. The bytes are taken only after it, and the stream stays
   * busy through it, so an abort or aclose() during the turn loses nothing and a concurrent
   * receive cannot overtake this one.
   */
  async #receiveAfterTurn(maxBytes: number, options: CallOptions | undefined): Promise<Uint8Array> {
    this.#answeredWithoutWaiting = 0;
    try {
      await nextTurn();
    } finally {
      this.#receiving = false;
    }
    return this.receive(maxBytes, options);
  }

  // The settle handlers of receive() and send(): made on a stream's first receive or send that
  // needs them, then reused (a closure per call would be garbage on every small message; made in
  // the constructor, they would be memory on every idle connection). A call's parameters travel
  // in the fields below: one receive and one send at a time, which the busy flags ensure. They
  // are made in the small methods below rather than inline: a function that makes an arrow
  // function gets a scope object on every call in JavaScriptCore, made or not.
  #receiveSignal: AbortSignal | undefined;
  #receiveMaxBytes = DEFAULT_RECEIVE_BYTES;
  #readSettled: ((chunk: Uint8Array | null) => Uint8Array) | undefined;
  #readFailed: ((error: unknown) => never) | undefined;
  #written: (() => void) | undefined;
  #writeFailed: ((error: unknown) => never) | undefined;

  #onRead(): (chunk: Uint8Array | null) => Uint8Array {
    return (this.#readSettled ??= (chunk) => this.#received(chunk));
  }

  #onReadFailed(): (error: unknown) => never {
    return (this.#readFailed ??= (error) => {
      this.#receiving = false;
      throw this.#readError(error, this.#receiveSignal);
    });
  }

  /** The receive waiting on {@link StreamTransport.readWith}: settled from {@link #readSink}. */
  #receiveResolve: ((value: never) => void) | undefined;
  #receiveReject: ((error: unknown) => void) | undefined;
  /** The waiting receive is the iterator's ({@link #nextItem}): it settles with an iterator result. */
  #receiveAsItem = false;
  #readSink: ReadSink | undefined;

  static {
    // A static block, not a static field: those make the bundler rename the class (`_SocketStream`).
    clearSentAtOnce = () => {
      for (let i = 0; i < sentAtOnce.length; i++) sentAtOnce[i]!.#sending = false;
      sentAtOnce.length = 0;
    };
    // The iterator's read failed with `error`: the end of iteration, or its error.
    const settleItemFailure = (
      stream: SocketStream,
      resolve: (value: IteratorResult<Uint8Array>) => void,
      reject: (error: unknown) => void,
      error: unknown,
    ) => {
      let result: IteratorResult<Uint8Array>;
      try {
        result = stream.#endIteration(error);
      } catch (thrown) {
        reject(thrown);
        return;
      }
      resolve(result);
    };
    // What StreamReadSink calls: the two ends of a readWith() read, with this class's private state.
    settleReadWith = {
      resolve(stream, chunk) {
        const resolve = stream.#receiveResolve! as (value: Uint8Array | IteratorResult<Uint8Array>) => void;
        const reject = stream.#receiveReject!;
        const asItem = stream.#receiveAsItem;
        stream.#receiveResolve = stream.#receiveReject = undefined;
        stream.#receiveAsItem = false;
        try {
          const received = stream.#received(chunk);
          resolve(asItem ? { value: received, done: false } : received);
        } catch (error) {
          if (asItem) settleItemFailure(stream, resolve, reject, error);
          else reject(error);
        }
      },
      reject(stream, error) {
        const resolve = stream.#receiveResolve! as (value: IteratorResult<Uint8Array>) => void;
        const reject = stream.#receiveReject!;
        const asItem = stream.#receiveAsItem;
        stream.#receiveResolve = stream.#receiveReject = undefined;
        stream.#receiveAsItem = false;
        // Mapped a microtask later, as a rejected read() would be: a transport rejects inside
        // close(), before aclose() has marked this stream closing, and the error maps to
        // ClosedResourceError only once it has.
        queueMicrotask(() => {
          stream.#receiving = false;
          const mapped = stream.#readError(error, stream.#receiveSignal);
          if (asItem) settleItemFailure(stream, resolve, reject, mapped);
          else reject(mapped);
        });
      },
    };
  }

  /** What a receive's read brought, cut to its `maxBytes` (the rest waits in `#pending`). */
  #received(chunk: Uint8Array | null): Uint8Array {
    this.#receiving = false;
    this.#pendingRead = undefined;
    if (chunk === null) {
      this.#atEof = true;
      throw new EndOfStream();
    }
    const maxBytes = this.#receiveMaxBytes;
    if (chunk.byteLength <= maxBytes) return chunk;
    // A new leftover from a read that waited: a new run of answers from #pending starts. (Reset
    // here rather than on every read, so that a receive that takes its whole chunk, ping-pong's,
    // does not touch the count at all.)
    this.#answeredWithoutWaiting = 0;
    this.#pending = chunk.subarray(maxBytes);
    return chunk.subarray(0, maxBytes);
  }

  #enterReceive(): void {
    if (this.#receiving) throw new BusyResourceError("reading from");
    this.#receiving = true;
  }

  #enterSend(): void {
    if (this.#sending) throw new BusyResourceError("writing to");
    this.#sending = true;
  }

  /**
   * Runs a receive-side call of a subclass (`receiveFds`) under the same rules as
   * {@link receive}: busy and closed checks, bytes a receive left over come first, end of stream
   * and failures remembered. `read` resolves `null` at end of stream.
   * @internal
   */
  protected async receiveWith<T>(
    options: CallOptions | undefined,
    leftover: (pending: Uint8Array) => T,
    read: (signal: AbortSignal | undefined) => Promise<T | null>,
  ): Promise<T> {
    this.#enterReceive();
    try {
      if (this.#closing) throw new ClosedResourceError();
      const signal = options?.signal;
      throwIfAborted(signal);
      if (this.#pending !== undefined) {
        const pending = this.#pending;
        this.#pending = undefined;
        return leftover(pending);
      }
      if (this.#readFailure) throw brokenBy(this.#readFailure.error);
      if (this.#atEof) throw new EndOfStream();
      // A receive aborted on a transport without exact reads left its read running: let it land
      // first so that two reads never race for the same bytes.
      if (this.#pendingRead) {
        const chunk = await raceAbort(this.#pendingRead, signal).catch((error: unknown) => {
          throw this.#readError(error, signal);
        });
        this.#pendingRead = undefined;
        if (chunk === null) {
          this.#atEof = true;
          throw new EndOfStream();
        }
        return leftover(chunk);
      }
      let result: T | null;
      try {
        result = await read(signal);
      } catch (error) {
        if (isPortioError(error) && !(error instanceof ClosedResourceError)) throw error;
        throw this.#readError(error, signal);
      }
      if (result === null) {
        this.#atEof = true;
        throw new EndOfStream();
      }
      return result;
    } finally {
      this.#receiving = false;
    }
  }

  /**
   * Runs a send-side call of a subclass (`sendFds`) under the same rules as {@link send}.
   * @internal
   */
  protected async sendWith(
    options: CallOptions | undefined,
    write: (signal: AbortSignal | undefined) => Promise<void>,
  ): Promise<void> {
    this.#enterSend();
    try {
      if (this.#closing) throw new ClosedResourceError();
      if (this.#eofSent) throw new ClosedResourceError("the sending side of this stream has been closed (sendEof)");
      if (this.#writeFailure) throw brokenBy(this.#writeFailure.error);
      const signal = options?.signal;
      throwIfAborted(signal);
      if (this.#pendingWrite) await this.#awaitWrite(this.#pendingWrite, signal);
      try {
        await write(signal);
      } catch (error) {
        if (this.#closing) throw new ClosedResourceError();
        if (signal?.aborted && error === signal.reason) throw error;
        // A caller's mistake (a closed fd) leaves the stream as it was.
        if (error instanceof TypeError || error instanceof RangeError) throw error;
        this.#writeFailure = { error };
        throw brokenBy(error);
      }
    } finally {
      this.#sending = false;
    }
  }

  /**
   * Sends all of `data`. Resolves once the runtime has taken it without going over its buffer
   * limit, so a slow peer slows the sender down instead of filling memory. Once it resolves,
   * `data` is the caller's again and may be overwritten: the bytes sent are not read from it
   * later (the conformance case `send-buffer-reuse`). An array of buffers goes out as one write, in
   * order (a header and its payload without joining them by hand).
   *
   * @example
   * ```ts
   * await stream.send([header, payload, new TextEncoder().encode("\r\n")]);
   * ```
   */
  send(data: Uint8Array | readonly Uint8Array[], options?: CallOptions): Promise<void> {
    // As receive(): one `.then` with handlers made once per stream on the common path (no
    // signal, no earlier aborted send to wait for), the async version otherwise.
    try {
      if (Array.isArray(data)) data = joinChunks(data);
      if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array or an array of Uint8Arrays");
      this.#enterSend();
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    try {
      if (this.#closing) throw new ClosedResourceError();
      if (this.#eofSent) throw new ClosedResourceError("the sending side of this stream has been closed (sendEof)");
      if (this.#writeFailure) throw brokenBy(this.#writeFailure.error);
      throwIfAborted(signal);
    } catch (error) {
      this.#sending = false;
      return Promise.reject(error);
    }
    if (this.#pendingWrite !== undefined || signal !== undefined) return this.#sendSlowly(data, signal);
    if (data.byteLength === 0) {
      this.#sending = false;
      return Promise.resolve();
    }
    const write = this.transport.write(data);
    if (write === WRITTEN) {
      // All taken at once (a small message, the usual case): nothing to wait for. The stream
      // stays busy until the microtask queued here, which runs before the caller's await resumes:
      // a second send in the same turn is refused whether or not the runtime took the bytes at
      // once, as on a runtime whose writes always settle later (Deno).
      // One microtask and one function for every stream that sent at once in this turn, rather
      // than a closure per stream.
      if (sentAtOnce.push(this) === 1) queueMicrotask(clearSentAtOnce);
      return WRITTEN;
    }
    // Kept for sendEof() and aclose(), which wait for it; only aclose() can interrupt it.
    this.#pendingWrite = write;
    return write.then(this.#onWritten(), this.#onWriteFailed());
  }

  #onWritten(): () => void {
    return (this.#written ??= () => {
      this.#pendingWrite = undefined;
      this.#sending = false;
    });
  }

  #onWriteFailed(): (error: unknown) => never {
    return (this.#writeFailed ??= (error) => {
      this.#sending = false;
      throw this.#writeError(error, undefined);
    });
  }

  async #sendSlowly(data: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    try {
      // An earlier send that was aborted may still be waiting for the runtime's buffer to drain:
      // waiting for it first keeps the one-write-at-a-time promise to the backend.
      if (this.#pendingWrite) await this.#awaitWrite(this.#pendingWrite, signal);
      if (data.byteLength === 0) return;
      const write = silenced(this.transport.write(data));
      this.#pendingWrite = write;
      await this.#awaitWrite(write, signal);
    } finally {
      this.#sending = false;
    }
  }

  /** Closes the sending side only (FIN); receiving goes on. Idempotent. */
  async sendEof(): Promise<void> {
    if (this.#closing) throw new ClosedResourceError();
    if (this.#eofSent) return;
    this.#eofSent = true;
    try {
      if (this.#pendingWrite) await this.#pendingWrite;
      await this.transport.shutdownWrite();
    } catch (error) {
      if (this.#closing) throw new ClosedResourceError();
      throw brokenBy(error);
    }
  }

  /**
   * Closes the stream: pending calls reject with `ClosedResourceError`, bytes already accepted by
   * `send` are flushed (for at most `flushTimeoutMs`, default {@link GRACEFUL_CLOSE_TIMEOUT_MS};
   * not at all if a send was interrupted by this close), and the fd is released before the
   * promise resolves. Idempotent (a second call's options are ignored).
   *
   * @example
   * ```ts
   * await stream.aclose({ flushTimeoutMs: 100 }); // give a stalled peer 100 ms, then drop the rest
   * ```
   */
  aclose(options?: CloseOptions): Promise<void> {
    if (this.#closing === undefined) {
      const flushTimeoutMs = options?.flushTimeoutMs ?? GRACEFUL_CLOSE_TIMEOUT_MS;
      if (!(flushTimeoutMs >= 0)) return Promise.reject(new RangeError("flushTimeoutMs must be a non-negative number"));
      const interruptedSend = this.#sending;
      const closing = this.transport.close(interruptedSend ? 0 : flushTimeoutMs);
      this.#closing = closing === CLOSED ? closing : closing.catch(ignoreCloseFailure);
    }
    return this.#closing;
  }

  /**
   * Turns TCP_NODELAY on (small writes go out at once, portio's default) or off (Nagle's
   * algorithm coalesces them) on this TCP stream.
   *
   * @throws TypeError on a Unix stream (no TCP options) or for a value that is not a boolean
   * @throws ClosedResourceError after `aclose()`
   * @throws BrokenResourceError if the socket refuses (the connection already failed)
   * @example
   * ```ts
   * stream.setNoDelay(false); // a bulk upload of many small writes: let the kernel coalesce them
   * ```
   */
  setNoDelay(noDelay: boolean): void {
    this.#applyTcpOptions("setNoDelay", { noDelay: checkNoDelay(noDelay ?? null) });
  }

  /**
   * Turns TCP keep-alive on or off on this TCP stream, optionally with the idle time before the
   * first probe (see {@link TCPKeepAlive}; `true` keeps the socket's idle time).
   *
   * @throws TypeError on a Unix stream, or for a value that is not a {@link TCPKeepAlive}
   * @throws RangeError for an `initialDelayMs` out of range
   * @throws UnsupportedError where the runtime cannot set the idle time (Deno's own TCP sockets)
   * @throws ClosedResourceError after `aclose()`
   * @throws BrokenResourceError if the socket refuses (the connection already failed)
   * @example
   * ```ts
   * stream.setKeepAlive({ initialDelayMs: 30_000 }); // probe after 30 s of silence
   * ```
   */
  setKeepAlive(keepAlive: TCPKeepAlive): void {
    this.#applyTcpOptions("setKeepAlive", checkKeepAlive(keepAlive ?? null));
  }

  #applyTcpOptions(method: string, options: Partial<BackendTCPOptions>): void {
    if (this.transport.family === "unix" || this.transport.setTcpOptions === undefined) {
      throw new TypeError(
        `${method}() applies to TCP streams; this is a ${this.transport.family === "unix" ? "Unix" : "stream without TCP options"}`,
      );
    }
    if (this.#closing) throw new ClosedResourceError();
    try {
      this.transport.setTcpOptions(options);
    } catch (error) {
      if (error instanceof PortioError || error instanceof TypeError || error instanceof RangeError) throw error;
      throw brokenBy(error);
    }
  }

  /** The typed attributes it provides; read one with `extra()`. */
  override get extraAttributes(): TypedAttributeMap {
    const family = this.transport.family;
    const map = new Map<never, () => unknown>([
      [SocketAttribute.family as never, () => family],
      [SocketAttribute.localAddress as never, () => (this.#cachedLocal ??= this.transport.localAddress())],
      [SocketAttribute.remoteAddress as never, () => (this.#cachedRemote ??= this.transport.remoteAddress())],
    ]);
    if (family !== "unix") {
      map.set(SocketAttribute.localPort as never, () => (this.extra(SocketAttribute.localAddress) as [string, number])[1]);
      map.set(SocketAttribute.remotePort as never, () => (this.extra(SocketAttribute.remoteAddress) as [string, number])[1]);
    }
    if (this.transport.fd !== undefined) {
      const fd = this.transport.fd;
      map.set(SocketAttribute.fd as never, () => fd);
    }
    return map;
  }

  /** The socket's family, as the `family` attribute gives it. */
  get family(): AddressFamily {
    return this.transport.family;
  }

  /** What a failed or interrupted read means to the caller; the read itself survives an abort. */
  #readError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (this.#closing) return new ClosedResourceError();
    if (signal?.aborted && error === signal.reason) return error;
    this.#pendingRead = undefined;
    this.#readFailure = { error };
    return brokenBy(error);
  }

  async #awaitWrite(write: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    try {
      await raceAbort(write, signal);
      if (this.#pendingWrite === write) this.#pendingWrite = undefined;
    } catch (error) {
      throw this.#writeError(error, signal);
    }
  }

  /** What a failed or interrupted write means to the caller; the write itself survives an abort. */
  #writeError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (this.#closing) return new ClosedResourceError();
    if (signal?.aborted && error === signal.reason) return error;
    this.#pendingWrite = undefined;
    this.#writeFailure = { error };
    return brokenBy(error);
  }

  #take(maxBytes: number): Uint8Array {
    const pending = this.#pending!;
    if (pending.byteLength <= maxBytes) {
      this.#pending = undefined;
      return pending;
    }
    this.#pending = pending.subarray(maxBytes);
    return pending.subarray(0, maxBytes);
  }
}

/**
 * The sink a stream's readWith() reads deliver to, one per stream: an object whose methods
 * forward to the stream, rather than an object and two closures over it.
 */
class StreamReadSink implements ReadSink {
  readonly #stream: SocketStream;

  constructor(stream: SocketStream) {
    this.#stream = stream;
  }

  resolve(chunk: Uint8Array | null): void {
    settleReadWith.resolve(this.#stream, chunk);
  }

  reject(error: unknown): void {
    settleReadWith.reject(this.#stream, error);
  }
}

/** What every finished iteration of a stream returns. */
const ITERATION_DONE: IteratorResult<Uint8Array> = Object.freeze({ value: undefined, done: true });

function itemOf(value: Uint8Array): IteratorResult<Uint8Array> {
  return { value, done: false };
}

/** Options of `aclose()` on socket and TLS streams. */
export interface CloseOptions {
  /**
   * How long to wait for bytes that `send` already accepted to reach the kernel (or, on TLS, for
   * the close_notify to go out) before dropping them; default {@link GRACEFUL_CLOSE_TIMEOUT_MS}.
   * 0 closes at once.
   */
  flushTimeoutMs?: number;
}

/** Closing a socket that already failed is not an error worth reporting to the caller. */
function ignoreCloseFailure(): void {}

function isPortioError(error: unknown): boolean {
  return error instanceof PortioError;
}

function brokenBy(error: unknown): BrokenResourceError {
  // A stream over another portio stream (TLS over TCP) fails with the inner stream's error,
  // which already says what failed.
  if (error instanceof BrokenResourceError) {
    return new BrokenResourceError(error.message, { cause: error, ...(error.code !== undefined ? { code: error.code } : {}) });
  }
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new BrokenResourceError(`the connection failed${detail}`, { cause: error });
}
