import type { CallOptions } from "../abc/resource.ts";
import { joinChunks } from "../internal/bytes.ts";
import type { AnyByteReceiveStream, AnyByteStream, ByteReceiveStream, ByteStream } from "../abc/streams.ts";
import { DelimiterNotFound, EndOfStream, IncompleteRead } from "../errors.ts";
import { checkMaxBytes, describeValue } from "../internal/abort.ts";
import { WrappedReceive } from "../internal/wrapped-receive.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ReceiveStreamBase } from "../resource-base.ts";

/**
 * Buffered byte receiving: exact-length and delimited reads over any byte stream, as in AnyIO's
 * `anyio.streams.buffered`.
 *
 * @example
 * ```ts
 * const buffered = new BufferedByteStream(await connectTcp("example.com", 80));
 * await buffered.send(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
 * const statusLine = await buffered.receiveUntil(new TextEncoder().encode("\r\n"), 8192);
 * ```
 * @module
 */

const EMPTY = new Uint8Array(0);

/**
 * The buffered reader over each stream, so that a TLS session started on that stream (STARTTLS
 * after reading the server's answer through the buffered reader) can take the bytes it holds.
 */
const readerOver = new WeakMap<AnyByteReceiveStream, BufferedByteReceiveStream>();

/** Whether a buffered reader holds bytes (or has a receive running) that its wrapped stream no longer has. */
let holdsData: (reader: BufferedByteReceiveStream) => boolean;

/**
 * For TLS: the buffered reader over `stream` that holds bytes received from it (those bytes come
 * before anything `stream` has left), or `undefined` if there is none.
 */
export function readerHoldingDataOf(stream: AnyByteReceiveStream): BufferedByteReceiveStream | undefined {
  const reader = readerOver.get(stream);
  return reader !== undefined && holdsData(reader) ? reader : undefined;
}

/**
 * For TLS: the stream a buffered reader wraps, if the reader holds nothing of it (then reading the
 * wrapped stream directly loses nothing, and a TLS session may run natively on it).
 */
export function innerIfEmpty(stream: unknown): AnyByteReceiveStream | undefined {
  if (!(stream instanceof BufferedByteReceiveStream) || holdsData(stream)) return undefined;
  return innerOf(stream);
}

let innerOf: (reader: BufferedByteReceiveStream) => AnyByteReceiveStream;

/** Position of `needle` in `haystack[from..to)`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0]!;
  const last = to - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * Wraps any byte receive stream (a `ByteReceiveStream` or an `ObjectReceiveStream<Uint8Array>`)
 * and adds {@link receiveExactly}, {@link receiveUntil} and {@link feedData}. Bytes received
 * beyond what a call asked for stay in {@link buffer} for the next call.
 *
 * Aborting a call loses nothing: a chunk the wrapped stream delivers afterwards goes into the
 * buffer, and whatever a call had gathered stays there too.
 *
 * @example
 * ```ts
 * const buffered = new BufferedByteReceiveStream(stream);
 * const header = await buffered.receiveExactly(4);
 * const length = new DataView(header.buffer, header.byteOffset).getUint32(0);
 * const body = await buffered.receiveExactly(length);
 * ```
 */
export class BufferedByteReceiveStream extends ReceiveStreamBase<Uint8Array> implements ByteReceiveStream {
  readonly #inner: AnyByteReceiveStream;
  readonly #reader: WrappedReceive<Uint8Array>;

  // The unconsumed bytes are #data[#start..#end). When #owned is false, #data is a chunk the
  // wrapped stream or feedData handed over: it is never written to, so callers may get views
  // into it. When #owned is true, #data is our own scratch space that later appends overwrite,
  // so callers get copies.
  #data: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;

  static {
    holdsData = (reader) => reader.#end > reader.#start || reader.#reader.pending;
    innerOf = (reader) => reader.#inner;
  }

  /** Buffers `receiveStream`, which it owns from now on. */
  constructor(receiveStream: AnyByteReceiveStream) {
    super();
    this.#inner = receiveStream;
    this.#reader = new WrappedReceive(() => receiveStream.receive());
    readerOver.set(receiveStream, this);
  }

  /**
   * A copy of the bytes received but not consumed yet.
   *
   * @example
   * ```ts
   * await buffered.receiveUntil(crlf, 1024);
   * const alreadyReceived = buffered.buffer; // e.g. before handing the stream to TLS
   * ```
   */
  get buffer(): Uint8Array {
    return this.#data.slice(this.#start, this.#end);
  }

  /** The wrapped stream's attributes. */
  override get extraAttributes(): TypedAttributeMap {
    return this.#inner.extraAttributes;
  }

  /**
   * Appends `data` to the buffer: it comes out before anything not yet received from the
   * wrapped stream. `data` is copied.
   *
   * @example
   * ```ts
   * buffered.feedData(leftoverFromHandshake);
   * ```
   */
  feedData(data: Uint8Array): void {
    // Not data.slice(): on a Node Buffer that is a view of the caller's memory.
    this.#append(new Uint8Array(data));
  }

  /**
   * Resolves with 1 to `maxBytes` bytes: buffered ones first, otherwise the wrapped stream's
   * next chunk.
   *
   * @example
   * ```ts
   * const chunk = await buffered.receive(1024, { signal });
   * ```
   * @throws RangeError if `maxBytes` is not a positive integer
   * @throws ClosedResourceError after {@link aclose}
   * @throws EndOfStream when the buffer is empty and the wrapped stream has ended
   */
  async receive(maxBytes = 65536, options: CallOptions = {}): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    this.#reader.enter(options.signal);
    try {
      if (this.#end > this.#start) {
        const turn = this.#reader.turnIfDue(options.signal);
        if (turn !== undefined) await turn;
      } else {
        do await this.#fill(options.signal);
        while (this.#end === this.#start);
      }
      return this.#take(maxBytes);
    } finally {
      this.#reader.exit();
    }
  }

  /**
   * Resolves with exactly `nbytes` bytes.
   *
   * @example
   * ```ts
   * const magic = await buffered.receiveExactly(8);
   * ```
   * @throws RangeError if `nbytes` is not a non-negative integer
   * @throws IncompleteRead if the wrapped stream ends first (the bytes stay in {@link buffer})
   */
  async receiveExactly(nbytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    if (!Number.isInteger(nbytes) || nbytes < 0) throw new RangeError("nbytes must be a non-negative integer");
    this.#reader.enter(options.signal);
    try {
      if (this.#end - this.#start >= nbytes) {
        const turn = this.#reader.turnIfDue(options.signal);
        if (turn !== undefined) await turn;
      } else {
        do await this.#fillOrIncomplete(options.signal);
        while (this.#end - this.#start < nbytes);
      }
      return this.#take(nbytes);
    } finally {
      this.#reader.exit();
    }
  }

  /**
   * Resolves with the bytes before the next `delimiter`, and consumes the delimiter. A string
   * delimiter is encoded as UTF-8.
   *
   * @example
   * ```ts
   * const line = await buffered.receiveUntil(new Uint8Array([0x0a]), 65536);
   * const header = await buffered.receiveUntil("\r\n", 8192);
   * ```
   * @param maxBytes how many bytes may be buffered while looking for the delimiter
   * @throws RangeError if `delimiter` is empty or `maxBytes` is not a positive integer
   * @throws DelimiterNotFound if `maxBytes` bytes are buffered without the delimiter among them
   * @throws IncompleteRead if the wrapped stream ends first (the bytes stay in {@link buffer})
   */
  async receiveUntil(delimiter: Uint8Array | string, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    if (typeof delimiter === "string") delimiter = new TextEncoder().encode(delimiter);
    if (!(delimiter instanceof Uint8Array))
      throw new TypeError(`delimiter must be a Uint8Array or a string, got ${describeValue(delimiter)}`);
    if (delimiter.length === 0) throw new RangeError("delimiter must not be empty");
    checkMaxBytes(maxBytes);
    this.#reader.enter(options.signal);
    try {
      // Only the bytes that arrived since the last search (plus a delimiter's length minus one,
      // for a delimiter split across chunks) are searched again.
      let offset = 0;
      let filled = false;
      for (;;) {
        const index = indexOfBytes(this.#data, delimiter, this.#start + offset, this.#end);
        if (index !== -1) {
          if (!filled) {
            const turn = this.#reader.turnIfDue(options.signal);
            if (turn !== undefined) {
              await turn;
              // feedData() may have moved the bytes meanwhile: search again (the count starts over).
              continue;
            }
          }
          const found = this.#take(index - this.#start);
          this.#start += delimiter.length;
          this.#resetIfEmpty();
          return found;
        }
        const size = this.#end - this.#start;
        if (size >= maxBytes) throw new DelimiterNotFound(maxBytes);
        offset = Math.max(size - delimiter.length + 1, 0);
        await this.#fillOrIncomplete(options.signal);
        filled = true;
      }
    } finally {
      this.#reader.exit();
    }
  }

  /**
   * Closes the wrapped stream; later calls reject with `ClosedResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await buffered.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    this.#reader.close();
    await this.#inner.aclose();
  }

  /** Gets one more chunk into the buffer; EndOfStream and errors of the wrapped stream pass through. */
  #fill(signal: AbortSignal | undefined): Promise<void> {
    // No maxBytes and no signal reach the wrapped stream: surplus bytes are buffered anyway, and
    // cancellation is handled by the reader.
    return this.#reader.fill(signal, (chunk) => {
      if (!this.#reader.closed) this.#append(chunk);
    });
  }

  async #fillOrIncomplete(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#fill(signal);
    } catch (error) {
      if (error instanceof EndOfStream) throw new IncompleteRead();
      throw error;
    }
  }

  #append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const size = this.#end - this.#start;
    if (size === 0) {
      this.#data = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    if (this.#owned && size + chunk.length <= this.#data.length) {
      // Safe to move bytes around: nothing outside holds a view into owned space.
      if (this.#end + chunk.length > this.#data.length) {
        this.#data.copyWithin(0, this.#start, this.#end);
        this.#start = 0;
        this.#end = size;
      }
    } else {
      const capacity = Math.max(size + chunk.length, this.#owned ? this.#data.length * 2 : 0, 4096);
      const grown = new Uint8Array(capacity);
      grown.set(this.#data.subarray(this.#start, this.#end));
      this.#data = grown;
      this.#start = 0;
      this.#end = size;
      this.#owned = true;
    }
    this.#data.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Removes and returns up to `n` bytes from the front of the buffer. */
  #take(n: number): Uint8Array {
    const end = Math.min(this.#start + n, this.#end);
    const result = this.#owned ? this.#data.slice(this.#start, end) : this.#data.subarray(this.#start, end);
    this.#start = end;
    this.#resetIfEmpty();
    return result;
  }

  #resetIfEmpty(): void {
    if (this.#start === this.#end) {
      // Let a big chunk or scratch space be collected: the next chunk is adopted as it is.
      this.#data = EMPTY;
      this.#start = this.#end = 0;
      this.#owned = false;
    }
  }
}

/**
 * {@link BufferedByteReceiveStream} over a bidirectional stream: `send` and `sendEof` go
 * straight to the wrapped stream.
 *
 * @example
 * ```ts
 * await using stream = new BufferedByteStream(await connectTcp(host, port));
 * await stream.send(request);
 * const reply = await stream.receiveUntil(new TextEncoder().encode("\r\n"), 1024);
 * ```
 */
export class BufferedByteStream extends BufferedByteReceiveStream implements ByteStream {
  readonly #stream: AnyByteStream;

  /** Buffers the receiving side of `stream`, which it owns from now on. */
  constructor(stream: AnyByteStream) {
    super(stream);
    this.#stream = stream;
  }

  /**
   * Sends `data` through the wrapped stream; an array of buffers goes out as one send.
   *
   * @example
   * ```ts
   * await stream.send(new Uint8Array([1, 2, 3]));
   * ```
   */
  async send(data: Uint8Array | readonly Uint8Array[], options: CallOptions = {}): Promise<void> {
    await this.#stream.send(Array.isArray(data) ? joinChunks(data) : (data as Uint8Array), options);
  }

  /**
   * Closes the wrapped stream's sending side only.
   *
   * @example
   * ```ts
   * await stream.sendEof();
   * ```
   */
  async sendEof(): Promise<void> {
    await this.#stream.sendEof();
  }
}
