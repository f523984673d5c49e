import type { AddressFamily, SocketAddress } from "../addresses.ts";
import type { BackendTCPOptions } from "./backend.ts";

/** Where {@link StreamTransport.readWith} delivers a read's outcome (core's receive). */
export interface ReadSink {
  /** The chunk read, or `null` at end of stream. */
  resolve(chunk: Uint8Array | null): void;
  /** The runtime's error (or a close's), as `read()` would reject with it. */
  reject(error: unknown): void;
}

/** Where {@link ListenerTransport.acceptWith} delivers an accept's outcome (core's serve loop). */
export interface AcceptSink<T = StreamTransport> {
  /** The accepted connection. */
  resolve(connection: T): void;
  /** Why accepting failed, as `accept()` would reject with it. */
  reject(error: unknown): void;
}

/**
 * The runtime-facing side of a connected byte stream: the few primitives a backend translates to
 * its runtime. Core's {@link SocketStream} builds everything else on top (maxBytes slicing,
 * keeping data across cancellation, busy/closed checks, error mapping), so that every backend
 * behaves the same.
 *
 * Core guarantees: at most one `read()` and one `write()` outstanding at a time; `close()` is
 * called once. A backend must not deliver data after `read()` resolved `null`.
 *
 * A backend guarantees: `close()` settles a pending `read()` / `write()` at once, before it
 * flushes or waits for anything (any rejection will do; core reports `ClosedResourceError`).
 * Core relies on this instead of racing every call against a close signal, which would cost a
 * promise and a listener per receive and send. The same holds for `ListenerTransport.accept()`
 * and `DatagramTransport.receive()` / `send()`; the conformance suite checks it ("close during
 * receive / send / accept").
 *
 * How the runtimes fill it: Node wraps a `net.Socket` in flowing mode whose `'data'` fills a
 * bounded queue that `read()` drains, pausing the socket while the queue is full (`write()` waits
 * for `'drain'` above the high-water mark). Deno calls `conn.read(buffer)` (one read ahead of the
 * consumer) / `conn.write()` / `conn.closeWrite()`. Bun's push-style socket handlers fill a bounded queue that
 * `read()` drains, pausing the socket while the queue is full.
 */
export interface StreamTransport {
  /** The connection's address family. */
  readonly family: AddressFamily;
  /** The OS file descriptor if the runtime exposes it. */
  readonly fd: number | undefined;
  /** This side's address (`[host, port]` or a Unix path). */
  localAddress(): SocketAddress;
  /** The peer's address (`[host, port]` or a Unix path). */
  remoteAddress(): SocketAddress;
  /**
   * Resolves with the next bytes the runtime has received (never empty), or `null` at end of
   * stream. Rejects with the runtime's own error (core wraps it in `BrokenResourceError`), and
   * at once when `close()` is called.
   */
  read(maxBytes?: number, signal?: AbortSignal): Promise<Uint8Array | null>;
  /**
   * Optional, for transports that receive by events (Bun's data handler) or read ahead (Deno): `read()` without a
   * promise of the transport's own. The next chunk, `null` at end of stream, or the error goes to
   * `reader` exactly once: at once if one is already known, else from the event that brings it
   * (and from `close()`, as for `read()`). Core's receive then settles its caller's promise from
   * that call, one promise and one microtask less than chaining on `read()`'s promise.
   */
  readWith?(reader: ReadSink): void;
  /**
   * Set by transports whose `read(maxBytes, signal)` consumes at most `maxBytes` and, when
   * `signal` aborts, nothing at all (rejecting with `signal.reason`). Core then reads exactly what
   * each receive asks for and keeps no read pending across an abort: what the caller did not ask
   * for stays in the kernel. fd passing needs this (see `receiveFds`).
   */
  readonly exactReads?: boolean;
  /**
   * Hands `data` to the runtime. Resolves when the runtime's buffer is back under its high-water
   * mark (backpressure), so a fast sender never queues without bound. `data` is not reused after
   * the call. Rejects with the runtime's own error. Returns core's `WRITTEN` (from
   * `@portio/core/backend`) when the runtime took the bytes at once: `send()` then completes
   * without a settle step of its own.
   */
  write(data: Uint8Array): Promise<void>;
  /** Half-close: flush what was written, then send FIN. Resolves once the FIN is queued. */
  shutdownWrite(): Promise<void>;
  /**
   * Graceful close: flush accepted writes (bounded by `flushTimeoutMs`, after which pending data is
   * dropped), then release the fd. Resolves only once the fd is released. Does not wait for the
   * peer to close its side. Returns core's `CLOSED` (from `@portio/core/backend`) when the fd was
   * released within the call: `aclose()` then adds no settle step of its own.
   */
  close(flushTimeoutMs: number): Promise<void>;
  /**
   * Unix streams only, where the runtime can: sends `message` with the fds attached to its first
   * byte (SCM_RIGHTS). A closed fd rejects with a `TypeError` (code `EBADF`) before anything is
   * sent. The fds stay the caller's.
   */
  sendFds?(message: Uint8Array, fds: readonly number[], signal?: AbortSignal): Promise<void>;
  /**
   * Unix streams only, where the runtime can (and only with `exactReads`): receives up to
   * `msglen` bytes and the fds that came with them, close-on-exec; `null` at end of stream.
   * More than `maxfds` fds: closes those that came and rejects with `FdsTruncated`.
   */
  receiveFds?(msglen: number, maxfds: number, signal?: AbortSignal): Promise<[Uint8Array, number[]] | null>;
  /** Why this transport has no `sendFds` / `receiveFds`, for the `UnsupportedError`. */
  readonly fdPassingUnsupported?: string;
  /**
   * TCP streams only: applies the options given (only those: an adopted socket keeps its
   * keep-alive when only `noDelay` changes) to the live socket, synchronously (every runtime's
   * calls are). `keepAliveIdleSeconds` comes only with `keepAlive: true`. Throws the runtime's
   * error if the socket refuses (already reset), and `UnsupportedError` for what the runtime
   * cannot set (core passes it on).
   */
  setTcpOptions?(options: Partial<BackendTCPOptions>): void;
}

/** The runtime-facing side of a listening socket. Core guarantees at most one `accept()` outstanding. */
export interface ListenerTransport {
  /** The listener's address family. */
  readonly family: AddressFamily;
  /** The OS file descriptor if the runtime exposes it. */
  readonly fd: number | undefined;
  /** The bound address (`[host, port]` or a Unix path). */
  localAddress(): SocketAddress;
  /**
   * Resolves with the next accepted connection. Transient errors (ECONNABORTED and the like) are
   * the backend's to skip. A connection accepted while nobody is waiting is kept for the next call.
   * `signal` is passed only to a transport whose {@link abortableAccept} is true.
   */
  accept(signal?: AbortSignal): Promise<StreamTransport>;
  /**
   * Optional: `accept(signal)` rejects with `signal.reason` as soon as `signal` aborts (at once
   * if it already has), and a connection that arrives afterwards is kept for the next `accept()`
   * — what `AcceptQueue.shift(signal)` does. Core then hands its signal straight to `accept()`
   * instead of racing the call against it, which saves a promise chain on every accepted
   * connection; without it core runs that race itself and keeps the call's result for the next
   * accept. See docs/writing-a-backend.md.
   */
  readonly abortableAccept?: boolean;
  /**
   * Optional, with {@link abortableAccept}: `accept(signal)` without a promise. Returns a
   * connection that is already waiting; else returns `undefined` and later calls
   * `sink.resolve(connection)` or `sink.reject(error)` exactly once (with `signal.reason` once
   * `signal` aborts; the connection that comes after that waits for the next call). What
   * `accept()` would reject with at once, this throws. `serve()` accepts through it: no promise,
   * no settle step and no resumed async frame per connection. `sink` may be called from inside
   * the runtime's accept event, and the handler it starts may run there. `AcceptQueue.shiftInto`
   * implements it. See docs/writing-a-backend.md.
   */
  acceptWith?(sink: AcceptSink, signal?: AbortSignal): StreamTransport | undefined;
  /** Stops listening and releases the fd; resolves once released. A pending `accept()` rejects at once. */
  close(): Promise<void>;
  /**
   * Optional: stops taking connections from the kernel (the socket may live on in other processes
   * that share it), while connections the runtime already took stay queued: `accept()` hands
   * them out, then rejects. Transports that accept only when asked need not have it (core then
   * closes). Used by zero-downtime restarts, where a dropped queued connection would be a reset.
   */
  stopAccepting?(): Promise<void>;
}

/**
 * The runtime-facing side of a datagram socket (UDP or Unix datagram), connected or not. Core's
 * datagram classes add the busy/closed checks, cancellation that loses nothing, and iteration.
 *
 * Core guarantees at most one `receive()` outstanding. Push-style runtimes (Node's `dgram`,
 * `Bun.udpSocket`) feed a core `DatagramQueue` and serve `receive()` from it, so the
 * bounded queue and its drop policy are the same everywhere; pull-style ones (the libc module,
 * Deno) read from the kernel only when asked, and the kernel's own buffer does the dropping.
 */
export interface DatagramTransport {
  /** The socket's address family. */
  readonly family: AddressFamily;
  /** The OS file descriptor if the runtime exposes it. */
  readonly fd: number | undefined;
  /** The bound address (`[host, port]` or a Unix path). */
  localAddress(): SocketAddress;
  /** The peer of a connected socket; throws for an unconnected one. */
  remoteAddress(): SocketAddress;
  /**
   * Resolves with the next whole datagram and its sender (`""` for an unnamed Unix sender).
   * A datagram larger than the transport's buffer rejects with `DatagramTooLargeError`
   * rather than being cut silently; the socket stays usable. Other failures reject with the
   * runtime's error.
   */
  receive(): Promise<[Uint8Array, SocketAddress]>;
  /** Sends one datagram, to `to` or (connected sockets) to the peer. Rejects with the runtime's error. */
  send(data: Uint8Array, to?: SocketAddress): Promise<void>;
  /** Releases the fd; resolves once released. A pending `receive()` / `send()` rejects at once. */
  close(): Promise<void>;
  /**
   * Optional synchronous fast path of {@link receive}: a datagram that is there now, or
   * `undefined` when `receive()` has to be asked (nothing there yet, or the transport's budget
   * wants an event-loop turn before the next answer). Throws what `receive()` would reject with.
   * Core then answers with one resolved promise instead of chaining on the transport's (measured
   * on a Deno socketpair send/receive loop, the chained steps were 5-7 % of its CPU per datagram).
   */
  tryReceive?(): [Uint8Array, SocketAddress] | undefined;
  /**
   * Optional callback form of {@link receive}: exactly one of `resolve` / `reject` is called,
   * once, never synchronously (`DatagramQueue.shiftTo` gives it). Core, which asks it after
   * {@link tryReceive} found nothing, then makes the receive's one promise itself.
   */
  receiveWithCallback?(resolve: (datagram: [Uint8Array, SocketAddress]) => void, reject: (error: unknown) => void): void;
  /**
   * Optional synchronous fast path of {@link send}: `true` when the datagram went out now, `false`
   * (nothing sent) when `send()` has to be asked (it would wait for room, or the transport's
   * budget wants an event-loop turn). Throws what `send()` would reject with.
   */
  trySend?(data: Uint8Array, to?: SocketAddress): boolean;
  /**
   * Optional form of {@link send} for runtimes whose own send reports through a callback:
   * `done(error)` is called once, with `null` or `undefined` on success. Core then makes the one
   * promise of the send itself instead of chaining on another. May throw synchronously (a closed
   * socket, an argument the runtime refuses).
   */
  sendWithCallback?(data: Uint8Array, to: SocketAddress | undefined, done: (error?: unknown) => void): void;
}
