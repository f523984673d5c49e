import type { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import type { AddressFamily, SocketAddress } from "@portio/core";
import type { BackendTCPOptions, ReadSink, StreamTransport } from "@portio/core/backend";
import { applyNetTcpOptions } from "./tcp-options.ts";
import { brokenPipeError, socketClosedError } from "./errors.ts";
import { fdOf } from "./node-internals.ts";
import { rejectHandled } from "./waiter.ts";
import { CLOSED, WRITTEN, deferred, type Deferred } from "@portio/core/backend";
import { DirectReads } from "./direct-reads.ts";

/** How a {@link NetStreamTransport} describes its socket. */
export interface NetStreamTransportOptions {
  /**
   * The fd the socket was opened on, for runtimes whose node:net does not report it (Deno).
   * Node reports it itself, from the socket, as long as the socket is open.
   */
  fd?: number;
  /** The socket's address family; Node does not report it for Unix sockets. */
  family: AddressFamily;
  /**
   * Fixed addresses for Unix sockets, which Node cannot query (no `getsockname` /
   * `getpeername` for pipes). IP sockets leave them out and ask the socket.
   */
  localAddress?: SocketAddress;
  /** The peer's address to report instead of the socket's own. */
  remoteAddress?: SocketAddress;
  /** For Unix streams that cannot pass fds: why, for the `UnsupportedError` `sendFds` raises. */
  fdPassingUnsupported?: string;
  /**
   * `socket.destroy()` has closed the fd by the time it returns, so `close()` need not wait for
   * `'close'`. True on Node: libuv's `uv_close()` closes a stream's fd at once and only defers its
   * callback (which emits `'close'`) to the next loop turn; true on Bun's node:net too (its
   * `destroy()` closes the fd; backends/bun/test/bun-quirks.test.ts). Deno leaves it out.
   */
  destroyClosesFd?: boolean;
  /**
   * The socket reads through {@link DirectReads} (created with `DirectReads.option()` as its
   * `onread`, or given it by `DirectReads.onto`): the transport then takes the bytes from there
   * instead of from `'data'` events. Node only; leave it out for sockets made without it.
   */
  directReads?: boolean;
  /**
   * Stops and restarts what fills the read queue, in place of pausing and resuming the socket
   * (sockets read through 'data' only). node:tls over a `PortioDuplex` passes its pump:
   * holding the pump back stops the TLS engine's plaintext as surely, without the cost of pausing
   * a TLS socket (Bun holds, then replays, what it decrypts while paused) and without Deno's loss
   * of a close_notify decrypted while paused.
   */
  throttle?: ReadThrottle;
  /** Pause from this many queued bytes on; default the socket's readable high-water mark. */
  queueLimit?: number;
}

/** What a {@link NetStreamTransport} calls when its read queue fills (`pause`) and drains again (`resume`). */
export interface ReadThrottle {
  /** The read queue is full: stop what fills it until {@link ReadThrottle.resume}. */
  pause(): void;
  /** The read queue has room again: let what fills it go on. */
  resume(): void;
}

const resolved: Promise<void> = Promise.resolve();
/** Placeholder for `#closing` while `#close()` starts (never awaited). */
const deferredClosing: Promise<void> = resolved;

/** A connect in progress ({@link NetStreamTransport.connect}), with the listeners it added. */
interface ConnectAttempt {
  readonly deferred: Deferred<NetStreamTransport>;
  /** Why the connect failed, first reason kept: the socket's error or the signal's reason. */
  failure: unknown;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** The transport that wraps a socket, for the listeners all sockets share. */
const TRANSPORT = Symbol("portio.netStreamTransport");
type TransportField = { [TRANSPORT]: NetStreamTransport };

function transportOf(socket: Socket): NetStreamTransport {
  return (socket as unknown as TransportField)[TRANSPORT];
}

/** Timer delays above this overflow to 1 ms in Node, so such flush timeouts are treated as "no limit". */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * A connected node:net `net.Socket` (TCP or Unix) behind core's {@link StreamTransport}. Node's
 * backend streams every TCP and Unix connection with it; Deno's only sockets made from an fd
 * (adoption, the stream ends of `socketpair()`), since `new net.Socket({ fd })` is the one way Deno
 * has to stream over an existing fd.
 *
 * The socket runs in flowing mode ('data' events), the cheapest way Node delivers bytes: a chunk
 * goes straight to a waiting `read()`, or into a queue that is bounded by the socket's readable
 * high-water mark. A full queue pauses the socket, and Node then stops reading from the kernel
 * once its own buffer is full too, so a consumer that stops calling `read()` stops the peer
 * through TCP flow control instead of piling up data in memory. (Paused mode, `'readable'` and
 * `socket.read()`, costs two `process.nextTick` steps and Node's buffer bookkeeping per chunk,
 * about a third of what a 64-byte round trip spends in JavaScript.) The socket must have been
 * created with `allowHalfOpen: true`, or Node would end the sending side as soon as the peer's FIN
 * arrives.
 *
 * A socket created with net's `onread` option ({@link DirectReads}, Node's own connections) skips
 * the Readable machinery altogether: its reads arrive straight from the handle into the same
 * queue, and a full queue stops reading at the handle (the callback returns false).
 *
 * Event listeners are installed once ('drain' only while a write waits); each operation parks at
 * most one `Deferred` that the events settle, which keeps the per-call cost to a promise.
 *
 * @example
 * ```ts
 * import net from "node:net";
 * const socket = net.connect({ host: "127.0.0.1", port: 8080, allowHalfOpen: true });
 * socket.once("connect", async () => {
 *   const transport = new NetStreamTransport(socket, { family: "inet" });
 *   await transport.write(new TextEncoder().encode("ping"));
 *   console.log(await transport.read());
 *   await transport.close(5000);
 * });
 * ```
 */
export class NetStreamTransport implements StreamTransport {
  readonly family: AddressFamily;
  /** The underlying Node socket, for callers that need Node-specific features. */
  readonly socket: Socket;

  #localAddress: SocketAddress | undefined;
  #remoteAddress: SocketAddress | undefined;
  /** The socket's first error; every later read and write rejects with it. */
  #error: Error | undefined;
  /** `'end'` was emitted: the peer's FIN arrived and all data before it was read. */
  #eof = false;
  /** `'close'` was emitted: the fd is released. */
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The pending read: core's receive (readWith) or a read()'s own deferred. */
  #reader: ReadSink | Deferred<Uint8Array | null> | undefined;
  /** Chunks that arrived while no `read()` was waiting, oldest first. */
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  /** Pausing the socket from this many queued bytes on bounds the read-ahead. */
  readonly #queueLimit: number;
  /** Paused by this transport because the queue is full; the `read()` that drains it resumes. */
  #paused = false;
  /** Set while {@link #drainSocket} reads Node's buffer, whose `read()` also emits 'data'. */
  #draining = false;
  /** Bytes come from net's `onread` callback, not from 'data' events. */
  readonly #direct: boolean;
  readonly #fd: number | undefined;
  readonly #destroyClosesFd: boolean;
  #writer: Deferred<void> | undefined;
  /** The socket's 'drain' is listened for (see {@link write}). */
  #drainListened = false;
  /** While the socket connects (see {@link NetStreamTransport.connect}): settled by 'connect' or 'close'. */
  #connecting: ConnectAttempt | undefined;
  /**
   * The 'data' listener of a socket without direct reads. Listeners and other closures are made
   * only where they are used: each costs every idle connection about 60 bytes.
   */
  readonly #onData: ((chunk: Buffer) => void) | undefined;
  /** Stops the socket's 'data' while the queue is full: the socket itself, or the option's throttle. */
  readonly #throttle: ReadThrottle;

  /** Why this stream cannot pass fds (Unix streams only; see the option of the same name). */
  readonly fdPassingUnsupported: string | undefined;

  /** Wraps `socket`; the transport owns it from now on. */
  constructor(socket: Socket, options: NetStreamTransportOptions) {
    this.socket = socket;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#remoteAddress = options.remoteAddress;
    this.#fd = options.fd;
    this.#destroyClosesFd = options.destroyClosesFd ?? false;
    if (options.fdPassingUnsupported !== undefined) this.fdPassingUnsupported = options.fdPassingUnsupported;
    // Start from the socket's current state, in case it already ended, failed or closed.
    this.#error = socket.errored ?? undefined;
    this.#eof = socket.readableEnded;
    this.#closed = socket.closed;
    this.#queueLimit = options.queueLimit ?? socket.readableHighWaterMark;
    this.#throttle = options.throttle ?? socket;
    this.#direct = options.directReads === true;
    // Set first: attaching hands over the reads that came before, through the shared receiver.
    (socket as unknown as TransportField)[TRANSPORT] = this;
    if (this.#direct) {
      DirectReads.attach(socket, NetStreamTransport.#onRead);
    } else {
      this.#onData = (chunk) => {
        if (this.#draining) return;
        // A plain Uint8Array view: a Buffer's slice() would not copy, unlike the one callers expect.
        if (!this.#accept(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) this.#throttle.pause();
      };
      socket.on("data", this.#onData);
    }
    socket.on("end", NetStreamTransport.#onEnd);
    // Always listening for 'error' also keeps Node from turning a socket error into an
    // uncaught exception while nobody is reading or writing.
    socket.on("error", NetStreamTransport.#onError);
    socket.on("close", NetStreamTransport.#onClose);
    // Reading starts now even on a socket that was created paused (accepted, adopted). A
    // `read(0)` starts the handle without flowing mode, which direct reads do not use; a read that
    // came before the transport stopped it, unless it filled the queue.
    if (this.#direct) {
      // A connecting socket's read(0) would park a 'connect' listener and closure of Node's own
      // (Socket._read); it starts reading once connected instead (#onConnect).
      if (!this.#paused && !socket.connecting) socket.read(0);
    } else {
      // Adding a 'data' listener does not resume a socket that was paused explicitly (an adopted one).
      socket.resume();
    }
  }

  // The socket's listeners are the same functions for every socket (called with the socket as
  // `this`, which leads to its transport): closures would cost each idle connection about 60 bytes apiece.

  static readonly #onRead = function (this: Socket, bytes: Uint8Array): boolean {
    return transportOf(this).#accept(bytes);
  };

  static readonly #onConnect = function (this: Socket): void {
    const transport = transportOf(this);
    const connecting = transport.#connecting;
    if (connecting === undefined) return;
    transport.#endConnecting();
    if (transport.#direct && !transport.#paused) this.read(0);
    connecting.deferred.resolve(transport);
  };

  static readonly #onEnd = function (this: Socket): void {
    const transport = transportOf(this);
    // Node never ends a socket after an error, Bun's does: its node:tls pushes the end of the
    // stream right after reporting a fatal alert (a refused client certificate), which must not
    // read as a complete stream. The error stays what every later read reports.
    if (transport.#error !== undefined) return;
    transport.#eof = true;
    transport.#serveReader();
  };

  static readonly #onError = function (this: Socket, error: Error): void {
    const transport = transportOf(this);
    if (transport.#connecting !== undefined) transport.#connecting.failure ??= error;
    transport.#error ??= error;
    transport.#drainSocket();
    transport.#serveReader();
    transport.#failWriter();
  };

  static readonly #onDrain = function (this: Socket): void {
    const transport = transportOf(this);
    const writer = transport.#writer;
    transport.#writer = undefined;
    writer?.resolve();
  };

  static readonly #onClose = function (this: Socket): void {
    const transport = transportOf(this);
    transport.#closed = true;
    transport.#drainSocket();
    transport.#serveReader();
    transport.#failWriter();
    const connecting = transport.#connecting;
    if (connecting !== undefined) {
      // 'error' is always followed by 'close', and an abort destroys the socket: the fd is
      // released by now, as the backend contract asks of a failed connect.
      transport.#endConnecting();
      connecting.deferred.reject(connecting.failure ?? transport.#error ?? new Error("the socket closed while connecting"));
    }
  };

  /**
   * Wraps a socket that is still connecting (from `net.connect()`) and resolves with the
   * transport once it is connected. The transport's own listeners serve the connect too, so a
   * connect adds one `'connect'` listener and no closures. On failure or abort the socket is
   * destroyed and the promise rejects only after its `'close'`, so that the fd is released by then,
   * as the backend contract asks; the error is Node's own (its `code`, e.g. `ECONNREFUSED`, kept)
   * or the signal's reason.
   *
   * @example
   * ```ts
   * const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
   * const transport = await NetStreamTransport.connect(socket, { family: "inet" }, AbortSignal.timeout(5000));
   * ```
   */
  static connect(
    socket: Socket,
    options: NetStreamTransportOptions,
    signal: AbortSignal | undefined,
  ): Promise<NetStreamTransport> {
    let transport: NetStreamTransport;
    try {
      transport = new NetStreamTransport(socket, options);
    } catch (error) {
      socket.destroy();
      return Promise.reject(error);
    }
    const connecting: ConnectAttempt = {
      deferred: deferred<NetStreamTransport>(),
      failure: undefined,
      signal,
      onAbort: () => {
        connecting.failure ??= signal!.reason;
        socket.destroy();
      },
    };
    transport.#connecting = connecting;
    socket.on("connect", NetStreamTransport.#onConnect);
    if (signal !== undefined) {
      if (signal.aborted) connecting.onAbort();
      else signal.addEventListener("abort", connecting.onAbort, { once: true });
    }
    return connecting.deferred.promise;
  }

  #endConnecting(): void {
    const connecting = this.#connecting!;
    this.#connecting = undefined;
    this.socket.off("connect", NetStreamTransport.#onConnect);
    connecting.signal?.removeEventListener("abort", connecting.onAbort);
  }

  /** The OS file descriptor, while the socket is open. */
  get fd(): number | undefined {
    // Node's own answer while its handle is open; a runtime that has none gets the fd it was given.
    return fdOf(this.socket) ?? (this.#closed || this.#closing !== undefined ? undefined : this.#fd);
  }

  localAddress(): SocketAddress {
    if (this.#localAddress === undefined) {
      const address = this.socket.address();
      if (!("port" in address) || !address.address) throw socketClosedError();
      this.#localAddress = [address.address, address.port];
    }
    return this.#localAddress;
  }

  remoteAddress(): SocketAddress {
    if (this.#remoteAddress === undefined) {
      const { remoteAddress: host, remotePort: port } = this.socket;
      if (host === undefined || port === undefined) throw socketClosedError();
      this.#remoteAddress = [host, port];
    }
    return this.#remoteAddress;
  }

  /** TCP_NODELAY and keep-alive on the live socket (core calls it for TCP streams only). */
  setTcpOptions(options: Partial<BackendTCPOptions>): void {
    applyNetTcpOptions(this.socket, options);
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

  write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    // Writing after end() or destroy() would make Node emit an error of its own and destroy the
    // socket; report what a write(2) would instead.
    if (socket.destroyed || socket.writableEnded) return Promise.reject(brokenPipeError());
    if (socket.write(data)) return WRITTEN;
    // Listened for from the first write that must wait: most connections never have one, and a
    // listener costs every connection. Then it stays: a bulk sender waits on every write (a
    // TLS socket's write() on Bun returns false every time), and a `once` listener per write
    // is a wrapper made, added and removed each time. With no writer waiting it does nothing.
    if (!this.#drainListened) {
      this.#drainListened = true;
      socket.on("drain", NetStreamTransport.#onDrain);
    }
    this.#writer = deferred();
    return this.#writer.promise;
  }

  shutdownWrite(): Promise<void> {
    const socket = this.socket;
    if (socket.writableFinished) return resolved;
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    if (socket.destroyed) return Promise.reject(brokenPipeError());
    return new Promise<void>((resolve, reject) => {
      const onFinish = (): void => {
        socket.off("close", onClose);
        resolve();
      };
      // 'error' is always followed by 'close', and #error is set by then.
      const onClose = (): void => {
        socket.off("finish", onFinish);
        reject(this.#error ?? brokenPipeError());
      };
      socket.once("finish", onFinish);
      socket.once("close", onClose);
      // 'finish' comes once Node's buffer is flushed and shutdown(SHUT_WR) has been done.
      if (!socket.writableEnded) socket.end();
    });
  }

  close(flushTimeoutMs: number): Promise<void> {
    if (this.#closing === undefined) {
      // Set before #close runs, so that the pending calls it fails see a closing transport.
      this.#closing = deferredClosing;
      this.#closing = this.#close(flushTimeoutMs);
    }
    return this.#closing;
  }

  #close(flushTimeoutMs: number): Promise<void> {
    const socket = this.socket;
    // Pending calls fail at once, before any flushing: core relies on close() to wake them.
    this.#serveReader();
    this.#failWriter();
    const unflushed = socket.writableLength > 0 || (socket.writableEnded && !socket.writableFinished);
    if (!socket.destroyed && this.#error === undefined && unflushed && flushTimeoutMs > 0) {
      return this.#flush(flushTimeoutMs).then(() => this.#destroy());
    }
    // Nothing to flush (the usual case): no async frame and no extra promise per connection.
    return this.#destroy();
  }

  #destroy(): Promise<void> {
    if (this.#closed) return CLOSED;
    const socket = this.socket;
    // destroy() closes the fd right away (no waiting for the peer's FIN); 'close' follows once
    // libuv has finished with the handle. Waiting for it costs a loop turn per connection, which
    // only runtimes that release the fd later need.
    if (this.#destroyClosesFd) {
      socket.destroy();
      // Core's marker for "released at once": serve() and aclose() then skip an await.
      return CLOSED;
    }
    return new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.destroy();
    });
  }

  /** Sends what Node still buffers, plus our FIN, waiting at most `timeoutMs` for it to go out. */
  #flush(timeoutMs: number): Promise<void> {
    const socket = this.socket;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        socket.off("finish", done);
        socket.off("close", done);
        resolve();
      };
      const timer = timeoutMs <= MAX_TIMER_DELAY ? setTimeout(done, timeoutMs) : undefined;
      socket.once("finish", done);
      socket.once("close", done);
      if (!socket.writableEnded) socket.end();
    });
  }

  /**
   * Hands the socket to a new owner that reads it itself (node:tls's fast path wraps it): stops
   * taking its 'data' and gives the bytes read ahead back to it (`unshift`), so the new owner
   * reads them first, as it would from a socket that was never read.
   */
  releaseSocket(): Socket {
    const socket = this.socket;
    if (this.#onData !== undefined) socket.off("data", this.#onData);
    socket.pause();
    while (this.#queue.length > 0) socket.unshift(this.#queue.pop()!);
    this.#queuedBytes = 0;
    return socket;
  }

  /** Takes arrived bytes; returns false when the queue is full and the socket must stop reading. */
  #accept(bytes: Uint8Array): boolean {
    const reader = this.#reader;
    // A waiting reader means the queue is empty (read() takes from it first).
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(bytes);
      return true;
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.byteLength;
    if (this.#queuedBytes < this.#queueLimit) return true;
    this.#paused = true;
    return false;
  }

  /**
   * Moves what Node still buffers into the queue once the socket failed or closed: bytes it read
   * while paused, which flowing mode would no longer emit.
   */
  #drainSocket(): void {
    const socket = this.socket;
    if (socket.readableLength === 0) return;
    this.#draining = true;
    try {
      for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) {
        this.#queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        this.#queuedBytes += chunk.byteLength;
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * What a read returns right now: bytes, `null` at end of stream, `undefined` when it has to
   * wait; throws the socket's error. Queued bytes come before an error, as with recv(2) after a
   * reset, so nothing that already arrived is lost.
   */
  #poll(): Uint8Array | null | undefined {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.byteLength;
      if (this.#paused && this.#queuedBytes < this.#queueLimit) {
        this.#paused = false;
        // read(0) restarts reading at the handle, without putting the stream in flowing mode.
        if (this.#direct) this.socket.read(0);
        else this.#throttle.resume();
      }
      return chunk;
    }
    if (this.#eof) return null;
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed || this.#closing !== undefined) throw socketClosedError();
    return undefined;
  }

  #serveReader(): void {
    const reader = this.#reader;
    if (reader === undefined) return;
    let result: Uint8Array | null | undefined;
    try {
      result = this.#poll();
    } catch (error) {
      this.#reader = undefined;
      // A read()'s own promise may be abandoned by core (aclose): marked handled first.
      if ("promise" in reader) rejectHandled(reader, error);
      else reader.reject(error);
      return;
    }
    if (result === undefined) return;
    this.#reader = undefined;
    reader.resolve(result);
  }

  #failWriter(): void {
    const writer = this.#writer;
    if (writer === undefined) return;
    this.#writer = undefined;
    rejectHandled(writer, this.#error ?? (this.#closing !== undefined ? socketClosedError() : brokenPipeError()));
  }
}
