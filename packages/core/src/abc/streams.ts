import type { AsyncResource, CallOptions, TypedAttributeReader } from "./resource.ts";

/**
 * The stream interfaces. They follow AnyIO's `abc/_streams.py`: byte streams carry `Uint8Array`
 * chunks, object streams carry items; receive streams are async iterable and iteration ends at
 * {@link EndOfStream}.
 *
 * @example
 * ```ts
 * async function echo(stream: ByteStream) {
 *   for await (const chunk of stream) await stream.send(chunk);
 * }
 * ```
 * @module
 */

/** Receives items with no ordering or delivery guarantee (UDP). */
export interface UnreliableObjectReceiveStream<T> extends AsyncResource, TypedAttributeReader, AsyncIterable<T> {
  /** Resolves with the next item; rejects with `EndOfStream`, `ClosedResourceError` or `BrokenResourceError`. */
  receive(options?: CallOptions): Promise<T>;
}

/** Sends items with no ordering or delivery guarantee. */
export interface UnreliableObjectSendStream<T> extends AsyncResource, TypedAttributeReader {
  /** Sends one item (no delivery guarantee). */
  send(item: T, options?: CallOptions): Promise<void>;
}

/** Sends and receives items with no ordering or delivery guarantee (a datagram socket). */
export interface UnreliableObjectStream<T> extends UnreliableObjectReceiveStream<T>, UnreliableObjectSendStream<T> {}

/** Receives items in order, reliably. */
export interface ObjectReceiveStream<T> extends UnreliableObjectReceiveStream<T> {}

/** Sends items in order, reliably. */
export interface ObjectSendStream<T> extends UnreliableObjectSendStream<T> {}

/** A bidirectional object stream that can close its sending side alone. */
export interface ObjectStream<T> extends ObjectReceiveStream<T>, ObjectSendStream<T> {
  /** Closes the sending side only; idempotent. */
  sendEof(): Promise<void>;
}

/** Receives bytes. */
export interface ByteReceiveStream extends AsyncResource, TypedAttributeReader, AsyncIterable<Uint8Array> {
  /**
   * Resolves with 1 to `maxBytes` bytes (default 65536), never an empty chunk.
   * @throws RangeError if `maxBytes` is not a positive integer
   */
  receive(maxBytes?: number, options?: CallOptions): Promise<Uint8Array>;
}

/** Sends bytes. Resolves once the runtime has taken the data without exceeding its buffer limit. */
export interface ByteSendStream extends AsyncResource, TypedAttributeReader {
  /** Sends all of `data`; resolves when the runtime has taken it within its buffer limit (backpressure). */
  send(data: Uint8Array, options?: CallOptions): Promise<void>;
}

/** A bidirectional byte stream that can close its sending side alone (half-close). */
export interface ByteStream extends ByteReceiveStream, ByteSendStream {
  /** Closes the sending side only (TCP FIN); idempotent. */
  sendEof(): Promise<void>;
}

/** A byte source: a byte stream or an object stream of `Uint8Array` chunks. */
export type AnyByteReceiveStream = ObjectReceiveStream<Uint8Array> | ByteReceiveStream;
/** A byte sink: a byte stream or an object stream of `Uint8Array` chunks. */
export type AnyByteSendStream = ObjectSendStream<Uint8Array> | ByteSendStream;
/** A bidirectional byte stream or object stream of `Uint8Array` chunks (what TLS and the stream wrappers run over). */
export type AnyByteStream = ObjectStream<Uint8Array> | ByteStream;
/** A source of byte messages that may be lost or reordered (a datagram socket) or a byte stream. */
export type AnyUnreliableByteReceiveStream = UnreliableObjectReceiveStream<Uint8Array> | ByteReceiveStream;
/** A sink of byte messages that may be lost or reordered (a datagram socket) or a byte stream. */
export type AnyUnreliableByteSendStream = UnreliableObjectSendStream<Uint8Array> | ByteSendStream;
/** Byte messages both ways, possibly lost or reordered (a datagram socket), or a byte stream. */
export type AnyUnreliableByteStream = UnreliableObjectStream<Uint8Array> | ByteStream;

/** What a serve handler gets besides its stream: a signal that aborts when serving stops. */
export interface HandlerContext {
  /** Aborts when serving stops; the handler should then finish. */
  signal: AbortSignal;
}

/** Options of {@link Listener.serve}. */
export interface ServeOptions<T> {
  /**
   * Aborting stops accepting, aborts every handler's signal, waits for the handlers (at most
   * `shutdownGraceMs`, then closes their streams), and resolves.
   */
  signal?: AbortSignal;
  /**
   * Called when a handler throws (its stream is already closed). Default: `console.error`. An error
   * thrown from here ends `serve` with that error.
   */
  onError?: (error: unknown, stream: T) => void | Promise<void>;
  /**
   * How long shutdown (after `signal` aborts, or the listener is closed under `serve`) waits for
   * handlers to end on their own, in milliseconds, before it closes the streams still open so that
   * handlers which ignore their signal end too. Default 5 000 (`DEFAULT_SHUTDOWN_GRACE_MS`);
   * `0` closes them at once; `Infinity` waits for the handlers however long they take.
   */
  shutdownGraceMs?: number;
}

/**
 * Something that yields connected streams: `serve()` runs a handler for each, and `for await`
 * accepts them one at a time (each iteration accepts one connection; closing the listener ends
 * the loop).
 *
 * @example
 * ```ts
 * await listener.serve(async (stream) => {
 *   for await (const chunk of stream) await stream.send(chunk);
 * }, { signal: AbortSignal.timeout(60_000) });
 * for await (const stream of listener) await handleOneAtATime(stream);
 * ```
 */
export interface Listener<T> extends AsyncResource, TypedAttributeReader, AsyncIterable<T> {
  /**
   * Accepts connections and runs `handler` for each, concurrently. The stream is closed when its
   * handler settles. `serve` never closes the listener itself.
   */
  serve(handler: (stream: T, context: HandlerContext) => void | Promise<void>, options?: ServeOptions<T>): Promise<void>;
}
