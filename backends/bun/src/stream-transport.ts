import type { Socket } from "bun";
import type { AddressFamily, SocketAddress } from "@portio/core";
import type { BackendTCPOptions, ReadSink, StreamTransport } from "@portio/core/backend";
import { brokenPipeError, rejectHandled, socketClosedError } from "@portio/node-shared";
import { CLOSED, WRITTEN, deferred, type Deferred } from "@portio/core/backend";

/**
 * `options` (only those given) on a Bun socket. Bun's `setKeepAlive` takes the idle time in
 * milliseconds and sets TCP_KEEPIDLE in seconds (with TCP_KEEPINTVL 1 and TCP_KEEPCNT 10).
 * `fresh`: the socket was just made by `Bun.connect` or accepted by `Bun.listen`, which turn
 * TCP_NODELAY on themselves, so `noDelay: true` needs no setsockopt call (one system call less
 * per connection; the testkit's tcp-options cases read the kernel's value).
 *
 * @example
 * ```ts
 * applyBunTcpOptions(socket, { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 60 });
 * ```
 */
export function applyBunTcpOptions(socket: Socket<unknown>, options: Partial<BackendTCPOptions>, fresh = false): void {
  if (options.noDelay !== undefined && !(fresh && options.noDelay)) socket.setNoDelay(options.noDelay);
  if (options.keepAlive !== undefined) {
    if (options.keepAlive && options.keepAliveIdleSeconds !== undefined)
      socket.setKeepAlive(true, options.keepAliveIdleSeconds * 1000);
    else socket.setKeepAlive(options.keepAlive);
  }
}

/** How a {@link BunStreamTransport} describes its socket. */
export interface BunStreamTransportOptions {
  family: AddressFamily;
  /**
   * Fixed addresses. Bun reports none for Unix sockets (`remoteAddress` is `undefined`), and
   * none for sockets adopted from an fd, so those are given here; IP sockets made by Bun leave
   * them out and ask the socket.
   */
  localAddress?: SocketAddress;
  remoteAddress?: SocketAddress;
  /** Bytes queued before the socket is paused. Default {@link DEFAULT_READ_HIGH_WATER_MARK}. */
  highWaterMark?: number;
  /**
   * The socket was accepted by `Bun.listen`. Bun's `upgradeTLS` keeps the socket's side, so a
   * native TLS upgrade on it can only be a server's (see `tls.ts`).
   */
  serverMode?: boolean;
}

/** What takes a {@link BunStreamTransport}'s socket over (a TLS session upgraded on it). */
export interface BunSocketOwner {
  /** Closes what took the socket over; the transport's own `close()` waits for it. */
  close(flushTimeoutMs: number): Promise<void>;
}

/**
 * Received bytes queued (not yet taken by `read()`) before the socket is paused. Bun hands over
 * up to 512 KiB per event, so the queue may exceed this by one such chunk; beyond that the
 * kernel's receive buffer fills and TCP flow control stops the peer.
 */
export const DEFAULT_READ_HIGH_WATER_MARK = 256 * 1024;

/**
 * Bytes the kernel has not taken yet that a write may leave behind and still resolve at once
 * (the rest waits for `drain`). Keeps the kernel's send buffer fed between writes without
 * letting a fast sender queue more than this in memory.
 */
export const WRITE_HIGH_WATER_MARK = 128 * 1024;

const resolved: Promise<void> = Promise.resolve();

/** Timer delays above this overflow, so such flush timeouts mean "no limit". */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * A connected Bun socket (`Bun.connect` / `Bun.listen`, TCP or Unix) behind core's
 * {@link StreamTransport}.
 *
 * Bun pushes data through socket handlers; the handlers in `socket-handlers.ts` forward each event
 * to the transport kept in `socket.data`. Received chunks wait in a queue that `read()` drains;
 * while the queue holds {@link DEFAULT_READ_HIGH_WATER_MARK} bytes or more the socket is paused,
 * so a slow reader stops the peer through TCP flow control instead of filling memory.
 *
 * Bun's `write()` is unbuffered: it returns how many bytes the kernel took. The rest is kept
 * here (one write is outstanding at most, so it is one remainder) and written on `drain`; the
 * write's promise resolves once all of it is in the kernel.
 *
 * @example
 * ```ts
 * const transport = await connectTcp("127.0.0.1", 8080, {});
 * await transport.write(new TextEncoder().encode("ping"));
 * console.log(await transport.read());
 * await transport.close(5000);
 * ```
 */
export class BunStreamTransport implements StreamTransport {
  readonly family: AddressFamily;
  /** The underlying Bun socket, for callers that need Bun-specific features. */
  readonly socket: Socket<BunStreamTransport>;
  /** The socket came from `Bun.listen` (see {@link BunStreamTransportOptions.serverMode}). */
  readonly serverMode: boolean;

  readonly #highWaterMark: number;
  #localAddress: SocketAddress | undefined;
  #remoteAddress: SocketAddress | undefined;
  /** Received chunks no read took yet; made on first use (a read usually waits before data comes). */
  #chunks: Uint8Array[] | undefined;
  #head = 0;
  #queued = 0;
  #paused = false;
  #eof = false;
  /** The fd is released (Bun's `close` handler ran). */
  #closed = false;
  #error: Error | undefined;
  #closing: Promise<void> | undefined;
  #writeShut = false;
  /** What the kernel did not take yet, in order; at most about {@link WRITE_HIGH_WATER_MARK} bytes plus one write. */
  #unwritten: Uint8Array[] | undefined;
  #unwrittenBytes = 0;
  /** The pending read: core's receive (readWith) or a read()'s own deferred. */
  #reader: ReadSink | Deferred<Uint8Array | null> | undefined;
  #writer: Deferred<void> | undefined;
  /** Waits for #unwritten to be empty (close's flush, shutdownWrite). */
  #flushed: Deferred<void> | undefined;
  #closeEvent: Deferred<void> | undefined;
  readonly #fd: number | undefined;
  /** Set once the socket was handed over (see {@link handOver}). */
  #owner: BunSocketOwner | undefined;

  constructor(socket: Socket<BunStreamTransport>, options: BunStreamTransportOptions) {
    this.socket = socket;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#remoteAddress = options.remoteAddress;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_READ_HIGH_WATER_MARK;
    this.serverMode = options.serverMode ?? false;
    // Read once: Bun reports -1 after close, and core reads the attribute at any time.
    const fd = (socket as unknown as { fd?: number }).fd;
    this.#fd = typeof fd === "number" && fd >= 0 ? fd : undefined;
    socket.data = this;
  }

  get fd(): number | undefined {
    return this.#fd;
  }

  localAddress(): SocketAddress {
    if (this.#localAddress === undefined) {
      const { localAddress: host, localPort: port } = this.socket;
      if (!host || port === undefined) throw socketClosedError();
      this.#localAddress = [host, port];
    }
    return this.#localAddress;
  }

  remoteAddress(): SocketAddress {
    if (this.#remoteAddress === undefined) {
      const { remoteAddress: host, remotePort: port } = this.socket;
      if (!host || port === undefined) throw socketClosedError();
      this.#remoteAddress = [host, port];
    }
    return this.#remoteAddress;
  }

  /**
   * @internal Hands the socket over to `owner` (a TLS session upgraded on it) if nothing is in
   * flight: no received bytes queued, none waiting to be written, no pending call, still open.
   * Returns `false` otherwise (the caller then takes the portable path). From then on the socket's
   * events no longer reach this transport (Bun still reports the raw ciphertext to the socket's
   * handlers, unless `tls.ts` swapped them), and `close()` closes the owner instead.
   */
  handOver(owner: BunSocketOwner): boolean {
    if (
      this.#owner !== undefined ||
      this.#queued > 0 ||
      this.#unwrittenBytes > 0 ||
      this.#reader !== undefined ||
      this.#writer !== undefined ||
      this.#eof ||
      this.#closed ||
      this.#writeShut ||
      this.#error !== undefined ||
      this.#closing !== undefined
    ) {
      return false;
    }
    // The addresses, while the socket still reports them: after the upgrade it no longer does.
    try {
      this.localAddress();
      this.remoteAddress();
    } catch {
      // Reported as closed later, as before.
    }
    this.#owner = owner;
    this.socket.data = undefined as never;
    return true;
  }

  /** @internal The owner released the socket (its `close` event): this transport is closed too. */
  ownerClosed(error: Error | undefined): void {
    if (this.#owner === undefined) return;
    this.#closed = true;
    if (error !== undefined) this.#error ??= error;
    this.#serveReader();
  }

  // ---- events (called by the socket handlers) ----------------------------------------------

  /** @internal */
  onData(chunk: Uint8Array): void {
    if (this.#closing !== undefined || chunk.byteLength === 0) return;
    const reader = this.#reader;
    if (reader !== undefined && this.#queued === 0) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return;
    }
    (this.#chunks ??= []).push(chunk);
    this.#queued += chunk.byteLength;
    if (this.#queued >= this.#highWaterMark && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
    this.#serveReader();
  }

  /** @internal */
  onDrain(): void {
    if (this.#unwrittenBytes === 0) return;
    this.#writeRest();
  }

  /** @internal The peer's FIN. */
  onEnd(): void {
    this.#eof = true;
    this.#serveReader();
  }

  /** @internal Bun released the socket; `error` is set when it closed because of one. */
  onClose(error: Error | undefined): void {
    this.#closed = true;
    if (error !== undefined) this.#error ??= error;
    // Bun closes a half-open socket when the peer's FIN arrives after our own shutdown, without
    // calling `end` first: everything before the FIN was delivered, so that is end of stream.
    else this.#eof = true;
    this.#serveReader();
    this.#failWriter();
    const flushed = this.#flushed;
    this.#flushed = undefined;
    flushed?.resolve();
    const closeEvent = this.#closeEvent;
    this.#closeEvent = undefined;
    closeEvent?.resolve();
  }

  /** @internal */
  onError(error: Error): void {
    this.#error ??= error;
    this.#serveReader();
    this.#failWriter();
  }

  // ---- StreamTransport ---------------------------------------------------------------------

  /** TCP_NODELAY and keep-alive on the live socket (core calls it for TCP streams only). */
  setTcpOptions(options: Partial<BackendTCPOptions>): void {
    applyBunTcpOptions(this.socket, options);
  }

  read(): Promise<Uint8Array | null> {
    try {
      const result = this.#poll();
      if (result !== undefined) return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
    const reader = deferred<Uint8Array | null>();
    this.#reader = reader;
    return reader.promise;
  }

  readWith(reader: ReadSink): void {
    let result: Uint8Array | null | undefined;
    try {
      result = this.#poll();
    } catch (error) {
      reader.reject(error);
      return;
    }
    if (result === undefined) this.#reader = reader;
    else reader.resolve(result);
  }

  /** What a read gets now: a queued chunk, `null` at end of stream, or the error (thrown); `undefined` to wait. */
  #poll(): Uint8Array | null | undefined {
    if (this.#queued > 0) return this.#shift();
    if (this.#eof) return null;
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed || this.#closing !== undefined) throw socketClosedError();
    return undefined;
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    if (this.#closed || this.#writeShut) return Promise.reject(brokenPipeError());
    if (this.#unwrittenBytes > 0) {
      // Bytes still waiting go first. This write waits for `drain` (or the socket's failure):
      // it never resolves against a socket that has not taken anything since the last one.
      this.#unwritten!.push(data);
      this.#unwrittenBytes += data.byteLength;
      this.#writer = deferred();
      return this.#writer.promise;
    }
    const written = this.socket.write(data);
    if (written === data.byteLength) return WRITTEN;
    // -1: Bun says the socket is closed or shutting down, with no error of its own.
    if (written < 0) return Promise.reject(this.#error ?? brokenPipeError());
    (this.#unwritten ??= []).push(written === 0 ? data : data.subarray(written));
    this.#unwrittenBytes += data.byteLength - written;
    // A small remainder counts as accepted at once, so the next send() is already parked here
    // when `drain` comes and is written in the same turn: the kernel's buffer never runs dry
    // waiting for a JavaScript round trip.
    if (this.#unwrittenBytes <= WRITE_HIGH_WATER_MARK) return WRITTEN;
    this.#writer = deferred();
    return this.#writer.promise;
  }

  async shutdownWrite(): Promise<void> {
    if (this.#writeShut) return;
    if (this.#error !== undefined) throw this.#error;
    if (this.#closing !== undefined) throw socketClosedError();
    if (this.#closed) throw brokenPipeError();
    this.#writeShut = true;
    if (this.#unwrittenBytes > 0) await this.#waitFlushed(MAX_TIMER_DELAY);
    if (this.#closed) throw this.#error ?? brokenPipeError();
    // shutdown(SHUT_WR): end() would release the whole socket in Bun, reading side included.
    this.socket.shutdown();
  }

  close(flushTimeoutMs: number): Promise<void> {
    if (this.#closing === undefined && this.#owner !== undefined) {
      this.#closing = this.#owner.close(flushTimeoutMs);
    }
    if (this.#closing === undefined) {
      // Set before #close runs, so that the pending calls it fails see a closing transport.
      this.#closing = resolved;
      this.#closing = this.#close(flushTimeoutMs);
    }
    return this.#closing;
  }

  #close(flushTimeoutMs: number): Promise<void> {
    this.#chunks = undefined;
    this.#head = 0;
    this.#queued = 0;
    // Pending calls fail at once, before any flushing: core relies on close() to wake them.
    this.#serveReader();
    this.#failWriter();
    if (this.#unwrittenBytes > 0 && !this.#closed && this.#error === undefined && flushTimeoutMs > 0) {
      return this.#waitFlushed(flushTimeoutMs).then(() => this.#end());
    }
    // Nothing to flush (the usual case): no async frame and no extra promise per connection.
    return this.#end();
  }

  #end(): Promise<void> {
    this.#unwritten = undefined;
    this.#unwrittenBytes = 0;
    if (this.#closed) return CLOSED;
    // Bun's end() sends FIN and releases the fd right away (its `close` handler runs inside the
    // call, also when the peer's FIN is not in yet), so close() usually resolves without waiting;
    // the close event stays a fallback. Bytes already in the kernel still go out. terminate()
    // would reset the connection (SO_LINGER 0) and lose them.
    try {
      this.endSocket();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return CLOSED;
    return (this.#closeEvent ??= deferred()).promise;
  }

  /**
   * Ends the socket at close, after the flush: `end()` here; a TLS transport ends the socket
   * under its session instead, so that no close_notify goes out.
   */
  protected endSocket(): void {
    this.socket.end();
  }

  // ---- internals ---------------------------------------------------------------------------

  #shift(): Uint8Array {
    const chunks = this.#chunks!;
    const chunk = chunks[this.#head]!;
    chunks[this.#head++] = undefined as never;
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
    }
    this.#queued -= chunk.byteLength;
    if (this.#paused && this.#queued < this.#highWaterMark && !this.#closed) {
      this.#paused = false;
      this.socket.resume();
    }
    return chunk;
  }

  #serveReader(): void {
    const reader = this.#reader;
    if (reader === undefined) return;
    if (this.#queued > 0) {
      this.#reader = undefined;
      reader.resolve(this.#shift());
    } else if (this.#eof) {
      this.#reader = undefined;
      reader.resolve(null);
    } else if (this.#error !== undefined || this.#closed || this.#closing !== undefined) {
      this.#reader = undefined;
      const error = this.#error ?? socketClosedError();
      // A read()'s own promise may be abandoned by core (aclose): marked handled first.
      if ("promise" in reader) rejectHandled(reader, error);
      else reader.reject(error);
    }
  }

  #writeRest(): void {
    const queue = this.#unwritten!;
    while (queue.length > 0) {
      const chunk = queue[0]!;
      const written = this.socket.write(chunk);
      if (written < 0) {
        queue.length = 0;
        this.#unwrittenBytes = 0;
        this.#error ??= brokenPipeError();
        this.#failWriter();
        this.#resolveFlushed();
        return;
      }
      this.#unwrittenBytes -= written;
      if (written < chunk.byteLength) {
        queue[0] = chunk.subarray(written);
        break;
      }
      queue.shift();
    }
    if (this.#unwrittenBytes <= WRITE_HIGH_WATER_MARK) {
      const writer = this.#writer;
      this.#writer = undefined;
      writer?.resolve();
    }
    if (this.#unwrittenBytes === 0) this.#resolveFlushed();
  }

  #waitFlushed(timeoutMs: number): Promise<void> {
    const flushed = (this.#flushed ??= deferred());
    if (timeoutMs >= MAX_TIMER_DELAY) return flushed.promise;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void flushed.promise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #resolveFlushed(): void {
    const flushed = this.#flushed;
    this.#flushed = undefined;
    flushed?.resolve();
  }

  #failWriter(): void {
    const writer = this.#writer;
    if (writer === undefined) return;
    this.#writer = undefined;
    rejectHandled(writer, this.#error ?? (this.#closing !== undefined ? socketClosedError() : brokenPipeError()));
  }
}
