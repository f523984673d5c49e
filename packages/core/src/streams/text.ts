import type { CallOptions } from "../abc/resource.ts";
import type {
  AnyByteReceiveStream,
  AnyByteSendStream,
  AnyByteStream,
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
} from "../abc/streams.ts";
import { EndOfStream } from "../errors.ts";
import { WrappedReceive } from "../internal/wrapped-receive.ts";
import { mergeAttributes, type TypedAttributeMap } from "../typed-attributes.ts";
import { AsyncResourceBase, ReceiveStreamBase } from "../resource-base.ts";

/**
 * Text over byte streams, as in AnyIO's `anyio.streams.text`: strings in, bytes out, with a
 * streaming decoder so that characters split across chunks come out whole.
 *
 * @example
 * ```ts
 * const text = new TextStream(await connectTcp("localhost", 7));
 * await text.send("héllo\n");
 * console.log(await text.receive());
 * ```
 * @module
 */

/**
 * Options of {@link TextReceiveStream}.
 *
 * @example
 * ```ts
 * new TextReceiveStream(stream, { encoding: "windows-1252", fatal: false });
 * ```
 */
export interface TextReceiveOptions {
  /** Any label `TextDecoder` knows (default `"utf-8"`). */
  encoding?: string;
  /** Throw a `TypeError` on malformed input instead of inserting U+FFFD (default `true`). */
  fatal?: boolean;
}

/**
 * Options of {@link TextSendStream}.
 *
 * @example
 * ```ts
 * new TextSendStream(stream, { fatal: false }); // lone surrogates go out as U+FFFD
 * ```
 */
export interface TextSendOptions {
  /** Must name UTF-8 (default `"utf-8"`): `TextEncoder` encodes nothing else. */
  encoding?: string;
  /** Throw a `TypeError` for a string with lone surrogates instead of sending U+FFFD (default `true`). */
  fatal?: boolean;
}

/**
 * Decodes a byte stream into strings. Each `receive()` resolves with the non-empty text decoded
 * so far; an incomplete character at a chunk's end waits for the next chunk. At end of stream an
 * incomplete trailing character is an error (`fatal`) or U+FFFD.
 *
 * Aborting a `receive()` loses nothing: bytes that arrive afterwards are decoded for the next one.
 *
 * @example
 * ```ts
 * const text = new TextReceiveStream(byteStream, { encoding: "utf-8" });
 * for await (const piece of text) process.stdout.write(piece);
 * ```
 * @throws RangeError from the constructor if `encoding` is unknown
 */
export class TextReceiveStream extends ReceiveStreamBase<string> implements ObjectReceiveStream<string> {
  readonly #transport: AnyByteReceiveStream;
  readonly #decoder: TextDecoder;
  readonly #reader: WrappedReceive<Uint8Array>;
  /** Decoded text not returned yet. */
  #text = "";

  /** Decodes `transport`'s bytes (UTF-8 by default), which it owns from now on. */
  constructor(transport: AnyByteReceiveStream, options: TextReceiveOptions = {}) {
    super();
    this.#transport = transport;
    this.#reader = new WrappedReceive(() => transport.receive());
    // ignoreBOM keeps a byte order mark as U+FEFF, as Python's "utf-8" codec does: the text
    // received is exactly what the bytes say, wherever a chunk boundary falls.
    this.#decoder = new TextDecoder(options.encoding ?? "utf-8", { fatal: options.fatal ?? true, ignoreBOM: true });
  }

  /** The transport's attributes. */
  override get extraAttributes(): TypedAttributeMap {
    return this.#transport.extraAttributes;
  }

  /**
   * Resolves with the next non-empty piece of text.
   *
   * @example
   * ```ts
   * const greeting = await text.receive({ signal: AbortSignal.timeout(5000) });
   * ```
   * @throws TypeError if the bytes are not valid in the encoding (with `fatal`)
   * @throws EndOfStream when the transport has ended and all text was returned
   * @throws ClosedResourceError after {@link aclose}
   */
  async receive(options: CallOptions = {}): Promise<string> {
    const { signal } = options;
    this.#reader.enter(signal);
    try {
      while (this.#text === "") await this.#fill(signal);
      const text = this.#text;
      this.#text = "";
      return text;
    } finally {
      this.#reader.exit();
    }
  }

  /**
   * Closes the transport. Idempotent.
   *
   * @example
   * ```ts
   * await text.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    this.#reader.close();
    await this.#transport.aclose();
  }

  #fill(signal: AbortSignal | undefined): Promise<void> {
    return this.#reader.fill(
      signal,
      (chunk) => {
        this.#text += this.#decoder.decode(chunk, { stream: true });
      },
      (error) => {
        if (!(error instanceof EndOfStream)) throw error;
        // Flush: a character cut off by the end of the stream is an error (fatal) or U+FFFD.
        const rest = this.#decoder.decode();
        if (rest === "") throw error;
        this.#text += rest;
      },
    );
  }
}

// With the u flag a surrogate pair is one code point above U+FFFF, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Encodes strings to UTF-8 and sends them on a byte stream.
 *
 * @example
 * ```ts
 * const text = new TextSendStream(byteStream);
 * await text.send("hello, wörld\n");
 * ```
 * @throws RangeError from the constructor if `encoding` is not UTF-8 (`TextEncoder` only does UTF-8)
 */
export class TextSendStream extends AsyncResourceBase implements ObjectSendStream<string> {
  readonly #transport: AnyByteSendStream;
  readonly #encoder = new TextEncoder();
  readonly #fatal: boolean;

  /** Encodes strings onto `transport` (UTF-8), which it owns from now on. */
  constructor(transport: AnyByteSendStream, options: TextSendOptions = {}) {
    super();
    const encoding = options.encoding ?? "utf-8";
    // TextDecoder resolves labels ("UTF8", "unicode-1-1-utf-8", ...) and throws RangeError for
    // unknown ones.
    const canonical = new TextDecoder(encoding).encoding;
    if (canonical !== "utf-8") {
      throw new RangeError(`TextSendStream can only encode utf-8 (TextEncoder's only encoding), not ${encoding}`);
    }
    this.#transport = transport;
    this.#fatal = options.fatal ?? true;
  }

  /** The transport's attributes. */
  override get extraAttributes(): TypedAttributeMap {
    return this.#transport.extraAttributes;
  }

  /**
   * Encodes `text` and sends it.
   *
   * @example
   * ```ts
   * await text.send("ping\n", { signal });
   * ```
   * @throws TypeError if `text` contains a lone surrogate (with `fatal`)
   */
  async send(text: string, options: CallOptions = {}): Promise<void> {
    if (this.#fatal && LONE_SURROGATE.test(text)) {
      throw new TypeError("The string contains a lone surrogate, which UTF-8 cannot encode");
    }
    await this.#transport.send(this.#encoder.encode(text), options);
  }

  /**
   * Closes the transport. Idempotent if the transport's `aclose` is.
   *
   * @example
   * ```ts
   * await text.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    await this.#transport.aclose();
  }
}

/**
 * A bidirectional text stream over a byte stream: {@link TextReceiveStream} and
 * {@link TextSendStream} in one, with `sendEof()` half-closing the transport.
 *
 * @example
 * ```ts
 * await using text = new TextStream(await connectTcp(host, port));
 * await text.send("QUIT\r\n");
 * await text.sendEof();
 * for await (const reply of text) console.log(reply);
 * ```
 * @throws RangeError from the constructor for an unknown or non-UTF-8 encoding
 */
export class TextStream extends ReceiveStreamBase<string> implements ObjectStream<string> {
  readonly #transport: AnyByteStream;
  readonly #receiveStream: TextReceiveStream;
  readonly #sendStream: TextSendStream;

  /** Text both ways over `transport`, which it owns from now on. */
  constructor(transport: AnyByteStream, options: TextReceiveOptions & TextSendOptions = {}) {
    super();
    this.#transport = transport;
    this.#sendStream = new TextSendStream(transport, options);
    this.#receiveStream = new TextReceiveStream(transport, options);
  }

  /** The transport's attributes (the receive side wins a conflict, as in AnyIO). */
  override get extraAttributes(): TypedAttributeMap {
    return mergeAttributes(this.#sendStream.extraAttributes, this.#receiveStream.extraAttributes);
  }

  /**
   * Resolves with the next non-empty piece of text (see {@link TextReceiveStream.receive}).
   *
   * @example
   * ```ts
   * const line = await text.receive();
   * ```
   */
  receive(options?: CallOptions): Promise<string> {
    return this.#receiveStream.receive(options);
  }

  /**
   * Encodes and sends `text` (see {@link TextSendStream.send}).
   *
   * @example
   * ```ts
   * await text.send("hello\n");
   * ```
   */
  send(text: string, options?: CallOptions): Promise<void> {
    return this.#sendStream.send(text, options);
  }

  /**
   * Half-closes the transport.
   *
   * @example
   * ```ts
   * await text.sendEof();
   * ```
   */
  async sendEof(): Promise<void> {
    await this.#transport.sendEof();
  }

  /**
   * Closes the transport. Idempotent.
   *
   * @example
   * ```ts
   * await text.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    await this.#receiveStream.aclose();
  }
}
