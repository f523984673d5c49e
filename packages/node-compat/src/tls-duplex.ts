import type { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { EndOfStream, type AnyByteStream } from "@portio/core";

const EMPTY = new Uint8Array(0);
/** A TLS record header: content type (1), version (2), length (2). */
const RECORD_HEADER = 5;
/** The largest record body TLS allows (2^14 plus the TLS 1.2 expansion limit). */
const MAX_RECORD = 16384 + 2048;

/**
 * Any portio byte stream as the `node:stream` Duplex that Node's TLS engine runs over when there
 * is no native socket underneath (a stapled or memory stream, a buffered stream, ...).
 *
 * The TLS engine is fed one TLS record at a time, and only while it asks for more (so the portio
 * stream's backpressure holds). Feeding whole records matters twice: Node processes a record
 * synchronously when it is pushed, so once the peer's close_notify has been processed
 * ({@link tlsEnded}) nothing more is fed and whatever follows is still here for `unwrap()`; and
 * {@link rawEofDelivered} tells a close_notify (the TLS stream ended before the transport did)
 * from a ragged EOF (the transport ended first).
 *
 * Ending or destroying this Duplex never closes the portio stream: the TLS stream decides that.
 *
 * @example
 * ```ts
 * const duplex = new PortioDuplex(memoryStream);
 * const secure = tls.connect({ socket: duplex, servername: "localhost", ca });
 * ```
 */
export class PortioDuplex extends Duplex {
  /** Set by the TLS session: true once the TLS engine has reported the end of its stream. */
  tlsEnded: () => boolean = () => false;
  /**
   * Set by the TLS session: true while the TLS socket's readable buffer is at its high-water mark
   * (its reader is not keeping up). No record is fed then; {@link tlsWantsMore} resumes feeding.
   */
  tlsBackpressured: () => boolean = () => false;
  /**
   * The transport's end was handed to the TLS engine: set just before the end is pushed, and
   * again by the first 'end' listener in case a caller ends this Duplex some other way.
   */
  rawEofDelivered = false;
  /**
   * Called when the portio stream fails. The TLS session sets it to destroy the TLS socket with
   * the error; an 'error' event on this Duplex would instead surface in Node's internal wrapper.
   */
  onRawError: (error: Error) => void = () => this.destroy();

  readonly #raw: AnyByteStream;
  /** Bytes received from the portio stream and not fed to the TLS engine yet. */
  #buffer: Uint8Array = EMPTY;
  #wanted = false;
  #pumping = false;
  #stopped = false;
  #rawEnded = false;
  #writing = 0;
  #flushWaiters: Array<() => void> = [];

  /** A Duplex over `raw`, which node:tls runs its engine over. */
  constructor(raw: AnyByteStream) {
    super({ allowHalfOpen: true });
    this.#raw = raw;
    // Registered first, so it runs before Node's TLS wrapper passes the end on to the engine.
    this.once("end", () => {
      this.rawEofDelivered = true;
    });
  }

  /** Node's pull: the next chunk of `raw` is pushed when it arrives. */
  override _read(): void {
    this.#wanted = true;
    if (this.#pumping) return;
    this.#pumping = true;
    // Outside _read, a push reaches the flowing consumer synchronously (see tlsEnded).
    queueMicrotask(() => void this.#pump());
  }

  /**
   * Called by the TLS session when its socket wants more plaintext (its `_read`): feeding resumes
   * if the TLS engine was waiting for records.
   */
  tlsWantsMore(): void {
    if (!this.#wanted || this.#pumping || this.#stopped) return;
    this.#pumping = true;
    queueMicrotask(() => void this.#pump());
  }

  /** Node's write: sends `chunk` on `raw`, calling back once it is sent. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writing++;
    this.#raw.send(chunk).then(
      () => {
        // After the callback, so that Node has already taken the chunk off writableLength.
        callback();
        this.#writeDone();
      },
      (error: unknown) => {
        callback();
        this.#writeDone();
        this.onRawError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** The TLS engine's shutdown must not end the portio stream: close_notify is all it sends. */
  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  /** Node's destroy: closes `raw`. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopped = true;
    callback(error);
  }

  /** Resolves once every byte the TLS engine wrote has been handed to the portio stream. */
  flushed(): Promise<void> {
    if (this.#writing === 0 && this.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Stops feeding the TLS engine and returns the bytes received but not fed (unwrap's leftover). */
  detach(): Uint8Array {
    this.#stopped = true;
    const leftover = this.#buffer;
    this.#buffer = EMPTY;
    return leftover.slice();
  }

  #writeDone(): void {
    this.#writing--;
    if (this.#writing === 0 && this.writableLength <= 0) {
      const waiters = this.#flushWaiters;
      this.#flushWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async #pump(): Promise<void> {
    try {
      // Records are fed only while the TLS socket's reader keeps up, as a socket's kernel buffer
      // would: Deno's node:tls (2.x) otherwise keeps decrypting into a buffer of its own once the
      // socket is full, and drops a close_notify that arrives then (the TLS stream never ends).
      while (this.#wanted && !this.#stopped && !this.tlsEnded() && !this.tlsBackpressured()) {
        const record = this.#nextRecord();
        if (record !== undefined) {
          this.#wanted = this.push(record);
          continue;
        }
        if (this.#rawEnded) {
          // A truncated record the engine will never complete: hand it over anyway, then the end.
          if (this.#buffer.byteLength > 0) {
            this.#wanted = this.push(this.#take(this.#buffer.byteLength));
            continue;
          }
          // With every record taken by the engine (and none of them a close_notify: the loop's
          // tlsEnded() check), the end is marked before it is pushed, so that the TLS session
          // cannot see it before the mark however the runtime's engine learns of it. Records
          // still buffered here come first: then the 'end' listener marks it once they are taken.
          if (this.readableLength === 0) this.rawEofDelivered = true;
          this.push(null);
          return;
        }
        let chunk: Uint8Array;
        try {
          chunk = await this.#raw.receive();
        } catch (error) {
          if (this.#stopped) return;
          if (error instanceof EndOfStream) {
            this.#rawEnded = true;
            continue;
          }
          this.onRawError(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.#append(chunk);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The next complete TLS record in the buffer, or `undefined` if none is complete yet. */
  #nextRecord(): Uint8Array | undefined {
    const buffer = this.#buffer;
    if (buffer.byteLength < RECORD_HEADER) return undefined;
    const type = buffer[0]!;
    const length = (buffer[3]! << 8) | buffer[4]!;
    // Not TLS framing (a plaintext client, garbage): hand it all over and let the engine fail.
    if (type < 20 || type > 24 || length > MAX_RECORD) return this.#take(buffer.byteLength);
    const size = RECORD_HEADER + length;
    if (buffer.byteLength < size) return undefined;
    return this.#take(size);
  }

  #take(size: number): Uint8Array {
    const buffer = this.#buffer;
    this.#buffer = size === buffer.byteLength ? EMPTY : buffer.subarray(size);
    return buffer.subarray(0, size);
  }

  #append(chunk: Uint8Array): void {
    if (this.#buffer.byteLength === 0) {
      this.#buffer = chunk;
      return;
    }
    const joined = new Uint8Array(this.#buffer.byteLength + chunk.byteLength);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.byteLength);
    this.#buffer = joined;
  }
}
