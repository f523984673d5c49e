import type { CallOptions } from "../abc/resource.ts";
import type { ByteStream } from "../abc/streams.ts";
import type { AddressFamily, SocketAddress } from "../addresses.ts";
import type { StreamTransport } from "../backend/transports.ts";
import { ClosedResourceError, EndOfStream, TypedAttributeLookupError, UnsupportedError } from "../errors.ts";
import { SocketStream } from "../sockets/socket-stream.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ReceiveStreamBase } from "../resource-base.ts";

/**
 * Interop with WHATWG streams (`ReadableStream` / `WritableStream`, as `Deno.Conn`, `fetch`
 * bodies, `TransformStream`s and Effect's `fromTransformStream` use them), both ways, with
 * backpressure and without losing data on cancellation. Web-standard only: works on every
 * runtime.
 * @module
 */

/** A portio byte stream as a WHATWG pair; see {@link toWebStreams}. */
export interface WebStreamPair {
  /** The bytes the stream receives. */
  readable: ReadableStream<Uint8Array>;
  /** Bytes written here are sent on the stream. */
  writable: WritableStream<Uint8Array>;
}

/**
 * A portio byte stream as a `ReadableStream` / `WritableStream` pair.
 *
 * - `readable` receives only when its consumer asks (high-water mark 0), so a slow consumer slows
 *   the peer down through the stream's own backpressure. Cancelling it (`reader.cancel()`, or a
 *   `pipeTo` whose signal aborts) stops receiving and aborts a receive in progress; bytes not yet
 *   delivered stay in `stream` for its next `receive()`. The end of `stream` closes it; a failure
 *   errors it with portio's error.
 * - `writable` sends each chunk and takes the next only once `send` resolved. `close()` sends EOF
 *   (`sendEof()`), or closes `stream` where it cannot half-close (TLS); `abort()` stops a send in
 *   progress (the stream's own cancellation rules apply) and leaves `stream` open.
 *
 * `stream` stays the caller's: `aclose()` it when done.
 *
 * @example
 * ```ts
 * const { readable, writable } = toWebStreams(await connectTcp("example.com", 80));
 * const writer = writable.getWriter();
 * await writer.write(new TextEncoder().encode("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"));
 * for await (const chunk of readable) console.log(chunk.byteLength);
 * ```
 */
export function toWebStreams(stream: ByteStream): WebStreamPair {
  let receiving: AbortController | undefined;
  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        receiving = new AbortController();
        try {
          controller.enqueue(await stream.receive(65536, { signal: receiving.signal }));
        } catch (error) {
          if (receiving.signal.aborted) return; // cancelled: the bytes stayed in the stream
          if (error instanceof EndOfStream) controller.close();
          else controller.error(error);
        } finally {
          receiving = undefined;
        }
      },
      cancel(reason) {
        receiving?.abort(reason ?? new ClosedResourceError("the ReadableStream was cancelled"));
      },
    },
    { highWaterMark: 0 },
  );
  let sending: AbortController | undefined;
  const writable = new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        if (!(chunk instanceof Uint8Array)) throw new TypeError("a portio WritableStream takes Uint8Array chunks");
        sending = new AbortController();
        try {
          await stream.send(chunk, { signal: sending.signal });
        } finally {
          sending = undefined;
        }
      },
      async close() {
        try {
          await stream.sendEof();
        } catch (error) {
          if (!(error instanceof UnsupportedError)) throw error;
          await stream.aclose();
        }
      },
      abort(reason) {
        sending?.abort(reason ?? new ClosedResourceError("the WritableStream was aborted"));
      },
    },
    { highWaterMark: 1 },
  );
  return { readable, writable };
}

/**
 * A `ReadableStream` / `WritableStream` pair (a `Deno.Conn`, a `TransformStream`, a WebSocket
 * stream, ...) as a portio {@link ByteStream}: `receive(maxBytes)` returns what one `read()`
 * gave, split at `maxBytes` (the rest stays for the next call), an aborted receive keeps the
 * chunk it was waiting for, `send` waits until the writable took the chunk (its backpressure),
 * `sendEof()` closes the writable, and `aclose()` closes the writable (after the chunks it
 * holds, bounded by `flushTimeoutMs`, default 5 s) and cancels the readable. The pair's locks
 * are taken at once.
 *
 * @example
 * ```ts
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const loopback = fromWebStreams({ readable, writable });
 * await loopback.send(new Uint8Array([1, 2, 3]));
 * console.log(await loopback.receive()); // Uint8Array [1, 2, 3]
 * ```
 */
export function fromWebStreams(
  pair: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> },
  options: { flushTimeoutMs?: number } = {},
): ByteStream {
  return new WebByteStream(new WebStreamTransport(pair), options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS);
}

const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;
const NO_ATTRIBUTES: TypedAttributeMap = new Map();

/** The stream {@link fromWebStreams} returns: {@link SocketStream}'s machinery, no socket attributes. */
class WebByteStream extends ReceiveStreamBase<Uint8Array> implements ByteStream {
  readonly #io: SocketStream;

  constructor(transport: WebStreamTransport, flushTimeoutMs: number) {
    super();
    transport.flushTimeoutMs = flushTimeoutMs;
    this.#io = new SocketStream(transport);
  }

  override get extraAttributes(): TypedAttributeMap {
    return NO_ATTRIBUTES;
  }

  receive(maxBytes?: number, options?: CallOptions): Promise<Uint8Array> {
    return this.#io.receive(maxBytes, options);
  }

  send(data: Uint8Array, options?: CallOptions): Promise<void> {
    return this.#io.send(data, options);
  }

  sendEof(): Promise<void> {
    return this.#io.sendEof();
  }

  aclose(): Promise<void> {
    return this.#io.aclose();
  }
}

/** A WHATWG pair behind core's {@link StreamTransport}, so that SocketStream's rules apply as they are. */
class WebStreamTransport implements StreamTransport {
  readonly family: AddressFamily = "unix";
  readonly fd: number | undefined = undefined;
  flushTimeoutMs = DEFAULT_FLUSH_TIMEOUT_MS;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Rejects the pending read / write at once on close (the transport contract). */
  readonly #closed: Promise<never>;
  #close!: (error: unknown) => void;
  #lastWrite: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  constructor(pair: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }) {
    this.#reader = pair.readable.getReader();
    this.#writer = pair.writable.getWriter();
    this.#closed = new Promise<never>((_, reject) => {
      this.#close = reject;
    });
    this.#closed.catch(() => {});
  }

  localAddress(): SocketAddress {
    throw new TypedAttributeLookupError("a stream made of web streams has no socket address");
  }

  remoteAddress(): SocketAddress {
    throw new TypedAttributeLookupError("a stream made of web streams has no socket address");
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const { done, value } = await Promise.race([this.#reader.read(), this.#closed]);
      if (done) return null;
      if (!(value instanceof Uint8Array)) throw new TypeError("the ReadableStream gave a chunk that is not a Uint8Array");
      if (value.byteLength > 0) return value;
    }
  }

  write(data: Uint8Array): Promise<void> {
    const write = this.#writer.write(data);
    this.#lastWrite = write.catch(() => {});
    return Promise.race([write, this.#closed]);
  }

  shutdownWrite(): Promise<void> {
    return Promise.race([this.#writer.close(), this.#closed]);
  }

  close(flushTimeoutMs: number): Promise<void> {
    return (this.#closing ??= this.#shutdown(Math.min(flushTimeoutMs, this.flushTimeoutMs)));
  }

  async #shutdown(flushTimeoutMs: number): Promise<void> {
    this.#close(new ClosedResourceError());
    // Chunks the writable accepted are flushed (bounded), then it is closed; the readable is
    // cancelled: nobody will read it any more.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flushed = this.#lastWrite.then(() => this.#writer.close()).catch(() => {});
    const gaveUp = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), flushTimeoutMs)));
    if ((await Promise.race([flushed, gaveUp])) === "timeout")
      await this.#writer.abort(new ClosedResourceError()).catch(() => {});
    clearTimeout(timer);
    await this.#reader.cancel().catch(() => {});
    this.#reader.releaseLock();
    this.#writer.releaseLock();
  }
}
