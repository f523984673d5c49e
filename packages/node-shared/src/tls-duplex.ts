import type { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { EndOfStream, type AnyByteStream } from "@portio/core";

/** A TLS record header: content type (1), version (2), length (2). */
const RECORD_HEADER = 5;
/** The largest record body TLS allows (2^14 plus the TLS 1.2 expansion limit). */
const MAX_RECORD = 16384 + 2048;
/** TLS's application_data content type (every record after a TLS 1.3 handshake has it). */
const APPLICATION_DATA = 23;
/**
 * Records with a body up to this size may be a close_notify (an alert is 2 bytes plus the cipher's
 * overhead, and at most a little padding); bulk data comes in records of up to 16 KiB.
 */
const MAY_BE_ALERT = 2048;
/**
 * The most ciphertext one receive of the pump takes. Larger than a receive's default (64 KiB):
 * a runtime that reads ahead in big chunks (Bun hands about 512 KiB at a time) then costs one
 * awaited receive per chunk instead of eight, and the TLS engine gets a chunk it was going to
 * take anyway (feeding still stops for backpressure before each chunk, and at every record that
 * may be an alert).
 */
const PUMP_RECEIVE_BYTES = 512 * 1024;

/**
 * Any portio byte stream as the `node:stream` Duplex that Node's TLS engine runs over when there
 * is no native socket underneath (a stapled or memory stream, a buffered stream, ...).
 *
 * The TLS engine is fed only while it asks for more (so the portio stream's backpressure holds),
 * as much as has arrived at once, except that a record that may be an alert (any small one, see
 * {@link MAY_BE_ALERT}) always ends a feed and is never fed together with the records before it.
 * Node processes what is pushed synchronously, so once the peer's close_notify has been processed
 * ({@link tlsEnded}) nothing more is fed and whatever follows is still here for `unwrap()`; the
 * backpressure check before each feed also comes before every close_notify (Deno's node:tls loses
 * one that arrives while its socket is full); and {@link rawEofDelivered} tells a close_notify (the
 * TLS stream ended before the transport did) from a ragged EOF (the transport ended first). Feeding
 * bulk data a chunk at a time rather than a record at a time is what keeps this path close to the
 * runtime's native TLS on a socket.
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
   * Set by the TLS session: true while the TLS socket's reader is not keeping up (the socket is
   * paused, or its readable buffer is at its high-water mark). No record is fed then;
   * {@link tlsWantsMore} resumes feeding.
   */
  tlsBackpressured: () => boolean = () => false;
  /**
   * The transport's end was handed to the TLS engine: set just before the end is pushed, and
   * again by the first 'end' listener in case a caller ends this Duplex some other way.
   */
  rawEofDelivered = false;
  /**
   * Called when the portio stream fails (`writing`: a send failed, else a receive). The TLS
   * session sets it to destroy the TLS socket with the error; an 'error' event on this Duplex
   * would instead surface in Node's internal wrapper.
   */
  onRawError: (error: Error, writing: boolean) => void = () => this.destroy();

  readonly #raw: AnyByteStream;
  /** Chunks received from the portio stream and not fed to the TLS engine yet, oldest first. */
  #received: Uint8Array[] = [];
  /** Where the record parser stands at the first byte of `#received`. */
  readonly #records = new RecordTracker();
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
    this.#send(chunk, callback);
  }

  /**
   * What the TLS engine flushes at once (it writes its pending records corked) goes out as one
   * send: one write and one promise per batch instead of per record.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    if (chunks.length === 1) {
      this.#send(chunks[0]!.chunk, callback);
      return;
    }
    this.#send(concatenate(chunks.map(({ chunk }) => chunk)), callback);
  }

  #send(data: Uint8Array, callback: (error?: Error | null) => void): void {
    this.#writing++;
    this.#raw.send(data).then(
      () => {
        // After the callback, so that Node has already taken the chunk off writableLength.
        callback();
        this.#writeDone();
      },
      (error: unknown) => {
        callback();
        this.#writeDone();
        this.onRawError(error instanceof Error ? error : new Error(String(error)), true);
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

  /**
   * Resolves once the TLS engine's writes waiting here are below the high-water mark again (at
   * once if they are), or this Duplex is destroyed. Bun's TLS engine keeps writing records here
   * whatever `write()` returns, so the TLS session's writer waits on this instead (see
   * `NodeTLSTransport.write`): without it a fast sender queues its whole upload here.
   */
  drained(): Promise<void> {
    if (!this.writableNeedDrain || this.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.off("drain", done);
        this.off("close", done);
        resolve();
      };
      this.on("drain", done);
      this.on("close", done);
    });
  }

  /** Resolves once every byte the TLS engine wrote has been handed to the portio stream. */
  flushed(): Promise<void> {
    if (this.#writing === 0 && this.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Stops feeding the TLS engine and returns the bytes received but not fed (unwrap's leftover). */
  detach(): Uint8Array {
    this.#stopped = true;
    const leftover = concatenate(this.#received);
    this.#received = [];
    return leftover;
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
        const piece = this.#nextPiece();
        if (piece !== undefined) {
          this.#wanted = this.push(piece);
          continue;
        }
        if (this.#rawEnded) {
          // With every byte taken by the engine (and no close_notify among them: the loop's
          // tlsEnded() check; a truncated record it will never complete included), the end is
          // marked before it is pushed, so that the TLS session cannot see it before the mark
          // however the runtime's engine learns of it. Bytes still buffered here come first: then
          // the 'end' listener marks it once they are taken.
          if (this.readableLength === 0) this.rawEofDelivered = true;
          this.push(null);
          return;
        }
        let chunk: Uint8Array;
        try {
          chunk = await this.#raw.receive(PUMP_RECEIVE_BYTES);
        } catch (error) {
          if (this.#stopped) return;
          if (error instanceof EndOfStream) {
            this.#rawEnded = true;
            continue;
          }
          this.onRawError(error instanceof Error ? error : new Error(String(error)), false);
          return;
        }
        if (chunk.byteLength > 0) this.#received.push(chunk);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * The next bytes to feed: from the oldest chunk received, up to the end of a record that may be
   * an alert or up to the start of one (so that it is fed on its own), else the whole chunk.
   */
  #nextPiece(): Uint8Array | undefined {
    const chunk = this.#received[0];
    if (chunk === undefined) return undefined;
    const end = this.#records.feedEnd(chunk);
    if (end === chunk.byteLength) {
      this.#received.shift();
      return chunk;
    }
    this.#received[0] = chunk.subarray(end);
    return chunk.subarray(0, end);
  }
}

/**
 * Follows the TLS record framing across the chunks of a byte stream, to decide where one feed to
 * the TLS engine must end (see {@link PortioDuplex}).
 */
class RecordTracker {
  /** Body bytes of the current record not seen yet. */
  #bodyLeft = 0;
  /** Whether the current record may be an alert (see {@link MAY_BE_ALERT}). */
  #mayBeAlert = false;
  /** A record header split across chunks: the bytes seen so far. */
  readonly #header = new Uint8Array(RECORD_HEADER);
  #headerLength = 0;
  /** Not TLS framing (a plaintext client, garbage): the engine gets everything and fails. */
  #unframed = false;

  /**
   * How many bytes of `chunk` (the bytes right after those already accounted for) the next feed
   * takes; the tracker then stands after them. At least 1 for a non-empty chunk.
   */
  feedEnd(chunk: Uint8Array): number {
    let position = 0;
    while (position < chunk.byteLength && !this.#unframed) {
      if (this.#bodyLeft > 0) {
        const taken = Math.min(this.#bodyLeft, chunk.byteLength - position);
        position += taken;
        this.#bodyLeft -= taken;
        if (this.#bodyLeft === 0 && this.#mayBeAlert) return position;
        continue;
      }
      let header: Uint8Array;
      let start: number;
      let alert: boolean;
      if (this.#headerLength === 0 && position + RECORD_HEADER <= chunk.byteLength) {
        // The whole header is here (the usual case): read in place, not a byte at a time.
        alert = mayBeAlert(chunk, position);
        // A record that may be an alert starts here: the records before it are fed first.
        if (alert && position > 0) return position;
        header = chunk;
        start = position;
        position += RECORD_HEADER;
      } else {
        this.#header[this.#headerLength++] = chunk[position++]!;
        if (this.#headerLength < RECORD_HEADER) continue;
        this.#headerLength = 0;
        header = this.#header;
        start = 0;
        alert = mayBeAlert(header, 0);
      }
      const type = header[start]!;
      const length = (header[start + 3]! << 8) | header[start + 4]!;
      if (type < 20 || type > 24 || length > MAX_RECORD) this.#unframed = true;
      this.#bodyLeft = length;
      this.#mayBeAlert = alert;
      if (length === 0 && alert) return position;
    }
    return this.#unframed ? chunk.byteLength : position;
  }
}

/** The bytes of `chunks` in one new buffer. */
function concatenate(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/** Whether the record whose header starts at `offset` may be an alert (see {@link MAY_BE_ALERT}). */
function mayBeAlert(bytes: Uint8Array, offset: number): boolean {
  const length = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
  return bytes[offset] !== APPLICATION_DATA || length <= MAY_BE_ALERT;
}
