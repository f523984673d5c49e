import type { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { EndOfStream, UnsupportedError, type ByteStream } from "@portio/core";

/** Options of {@link toNodeDuplex}. */
export interface NodeDuplexOptions {
  /** The Duplex's buffer limits in bytes, each way (Node's default is 16 KiB). */
  readableHighWaterMark?: number;
  /** The writable side's buffer limit in bytes (Node's default is 16 KiB). */
  writableHighWaterMark?: number;
  /**
   * Keep the writable side open after the readable side ended (Node's `allowHalfOpen`); default
   * `true`, as a portio stream can half-close. node:http servers want `false`.
   */
  allowHalfOpen?: boolean;
}

/**
 * A portio byte stream as a `node:stream` `Duplex`, for libraries that take one: inject it into a
 * `node:http` server (`server.emit("connection", duplex)`), hand it to `http.request({
 * createConnection })`, run the `ws` library over it, `pipeline()` it.
 *
 * Backpressure holds both ways: the Duplex receives only while its readable buffer is under the
 * high-water mark (a paused consumer stops the peer through the portio stream), and each written
 * chunk is passed to `send()` only after the previous one resolved. `end()` sends EOF
 * (`sendEof()`; on a stream that cannot half-close, such as TLS, it closes the stream).
 * `destroy()` aborts a receive in progress (its bytes are not lost to the stream) and closes the
 * portio stream: the Duplex owns it from now on.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { toNodeDuplex } from "portio/node-stream";
 * const server = http.createServer((req, res) => res.end("hello"));
 * await listener.serve((stream) => new Promise((done) => {
 *   const socket = toNodeDuplex(stream, { allowHalfOpen: false });
 *   socket.once("close", done);
 *   server.emit("connection", socket);
 * }));
 * ```
 */
export function toNodeDuplex(stream: ByteStream, options: NodeDuplexOptions = {}): Duplex {
  return new PortioNodeDuplex(stream, options);
}

class PortioNodeDuplex extends Duplex {
  readonly #stream: ByteStream;
  #receiving: AbortController | undefined;
  #closed: Promise<void> | undefined;

  constructor(stream: ByteStream, options: NodeDuplexOptions) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? true,
      ...(options.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: options.readableHighWaterMark }),
      ...(options.writableHighWaterMark === undefined ? {} : { writableHighWaterMark: options.writableHighWaterMark }),
    });
    this.#stream = stream;
  }

  override _read(size: number): void {
    if (this.#receiving !== undefined) return;
    const receiving = (this.#receiving = new AbortController());
    void this.#stream.receive(Math.max(size, 1), { signal: receiving.signal }).then(
      (chunk) => {
        this.#receiving = undefined;
        // push() asks for more through _read while there is room.
        this.push(chunk);
      },
      (error: unknown) => {
        this.#receiving = undefined;
        if (receiving.signal.aborted) return;
        if (error instanceof EndOfStream) this.push(null);
        else this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _write(chunk: Buffer | Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#stream.send(data).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#stream.sendEof().then(
      () => callback(),
      (error: unknown) => {
        if (error instanceof UnsupportedError) this.#close().then(() => callback(), callback);
        else callback(error as Error);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#receiving?.abort(error ?? new Error("the Duplex was destroyed"));
    this.#close().then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? (closeError as Error)),
    );
  }

  #close(): Promise<void> {
    return (this.#closed ??= this.#stream.aclose());
  }
}
