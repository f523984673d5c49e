import type { CallOptions } from "../abc/resource.ts";
import type {
  ByteReceiveStream,
  ByteSendStream,
  ByteStream,
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
} from "../abc/streams.ts";
import { UnsupportedError } from "../errors.ts";
import { checkMaxBytes } from "../internal/abort.ts";
import { mergeAttributes, type TypedAttributeMap } from "../typed-attributes.ts";
import { AsyncResourceBase } from "../resource-base.ts";

/**
 * Two one-way streams stapled into one bidirectional stream, as in AnyIO's
 * `anyio.streams.stapled`.
 *
 * @example
 * ```ts
 * const [toPeer, fromMe] = createMemoryObjectStream<Uint8Array>(1);
 * const [toMe, fromPeer] = createMemoryObjectStream<Uint8Array>(1);
 * const mine = new StapledObjectStream(toPeer, fromPeer);
 * const theirs = new StapledObjectStream(toMe, fromMe);
 * ```
 * @module
 */

/** Closes both, the receive stream even if closing the send stream failed. */
async function closeBoth(send: { aclose(): Promise<void> }, receive: { aclose(): Promise<void> }): Promise<void> {
  try {
    await send.aclose();
  } finally {
    await receive.aclose();
  }
}

/**
 * A {@link ByteStream} made of a {@link ByteSendStream} and a {@link ByteReceiveStream}.
 * `sendEof()` closes the send stream. Attributes come from both, the receive stream's winning.
 *
 * @example
 * ```ts
 * const stream = new StapledByteStream(stdoutSink, stdinSource);
 * await stream.send(new TextEncoder().encode("ready\n"));
 * const command = await stream.receive();
 * ```
 */
export class StapledByteStream extends AsyncResourceBase implements ByteStream {
  /** Joins `sendStream` and `receiveStream` into one stream that owns both. */
  constructor(
    readonly sendStream: ByteSendStream,
    readonly receiveStream: ByteReceiveStream,
  ) {
    super();
  }

  /** The typed attributes it provides; read one with `extra()`. */
  override get extraAttributes(): TypedAttributeMap {
    return mergeAttributes(this.sendStream.extraAttributes, this.receiveStream.extraAttributes);
  }

  /**
   * Receives from the receive stream.
   *
   * @example
   * ```ts
   * const chunk = await stream.receive(4096);
   * ```
   * @throws RangeError if `maxBytes` is not a positive integer
   */
  async receive(maxBytes = 65536, options?: CallOptions): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    return await this.receiveStream.receive(maxBytes, options);
  }

  /**
   * Sends on the send stream.
   *
   * @example
   * ```ts
   * await stream.send(data);
   * ```
   */
  async send(data: Uint8Array, options?: CallOptions): Promise<void> {
    await this.sendStream.send(data, options);
  }

  /**
   * Closes the send stream; receiving goes on.
   *
   * @example
   * ```ts
   * await stream.sendEof();
   * ```
   */
  async sendEof(): Promise<void> {
    await this.sendStream.aclose();
  }

  /**
   * Closes both streams.
   *
   * @example
   * ```ts
   * await stream.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    await closeBoth(this.sendStream, this.receiveStream);
  }

  /** Iterates the receive stream its own way (a datagram socket's iteration also ends at its close). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.receiveStream[Symbol.asyncIterator]();
  }
}

/**
 * An {@link ObjectStream} made of an {@link ObjectSendStream} and an {@link ObjectReceiveStream}.
 * `sendEof()` closes the send stream. Attributes come from both, the receive stream's winning.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(10);
 * const loopback = new StapledObjectStream(send, receive);
 * await loopback.send("ping");
 * await loopback.receive(); // "ping"
 * ```
 */
export class StapledObjectStream<T> extends AsyncResourceBase implements ObjectStream<T> {
  /** Joins `sendStream` and `receiveStream` into one object stream that owns both. */
  constructor(
    readonly sendStream: ObjectSendStream<T>,
    readonly receiveStream: ObjectReceiveStream<T>,
  ) {
    super();
  }

  /** The typed attributes it provides; read one with `extra()`. */
  override get extraAttributes(): TypedAttributeMap {
    return mergeAttributes(this.sendStream.extraAttributes, this.receiveStream.extraAttributes);
  }

  /**
   * Receives from the receive stream.
   *
   * @example
   * ```ts
   * const item = await stream.receive({ signal });
   * ```
   */
  async receive(options?: CallOptions): Promise<T> {
    return await this.receiveStream.receive(options);
  }

  /**
   * Sends on the send stream.
   *
   * @example
   * ```ts
   * await stream.send(item);
   * ```
   */
  async send(item: T, options?: CallOptions): Promise<void> {
    await this.sendStream.send(item, options);
  }

  /**
   * The send stream's `sendNowait(item)`, for send streams that have one (memory object streams).
   *
   * @example
   * ```ts
   * stream.sendNowait(item); // may throw WouldBlock
   * ```
   * @throws UnsupportedError if the send stream has no `sendNowait`
   */
  sendNowait(item: T): void {
    const sendStream = this.sendStream as ObjectSendStream<T> & { sendNowait?: (item: T) => void };
    if (typeof sendStream.sendNowait !== "function") {
      throw new UnsupportedError(
        `'sendNowait' is not implemented by ${sendStream.constructor?.name ?? "the send stream"}; use send()`,
      );
    }
    // Called outside any try block: an error from inside sendNowait is its own, not "missing".
    sendStream.sendNowait(item);
  }

  /**
   * Closes the send stream; receiving goes on.
   *
   * @example
   * ```ts
   * await stream.sendEof();
   * ```
   */
  async sendEof(): Promise<void> {
    await this.sendStream.aclose();
  }

  /**
   * Closes both streams.
   *
   * @example
   * ```ts
   * await stream.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    await closeBoth(this.sendStream, this.receiveStream);
  }

  /** Iterates the receive stream its own way (a datagram socket's iteration also ends at its close). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.receiveStream[Symbol.asyncIterator]();
  }
}
