import { UnsupportedError, type AddressFamily, type SocketAddress } from "@portio/core";
import type { BackendTCPOptions, ReadSink, StreamTransport } from "@portio/core/backend";
import { fromDenoAddr } from "./addresses.ts";
import { brokenPipeError, rejectHandled, settled, socketClosedError } from "@portio/node-shared";
import { deferred, type Deferred } from "@portio/core/backend";

/**
 * Why the Deno backend refuses `keepAlive: { initialDelayMs }`: `Deno.TcpConn.setKeepAlive`
 * turns keep-alive on or off, nothing more, and Deno's connections expose no fd to set
 * TCP_KEEPIDLE on.
 */
export function keepAliveIdleUnsupported(): UnsupportedError {
  return new UnsupportedError(
    "the Deno backend cannot set the keep-alive idle time (keepAlive: { initialDelayMs }): Deno.TcpConn.setKeepAlive only turns " +
      "keep-alive on or off and Deno's TCP connections expose no fd for TCP_KEEPIDLE; use keepAlive: true (the system's idle time, " +
      "net.ipv4.tcp_keepalive_time) or the Node or Bun backend",
  );
}

/**
 * Throws {@link keepAliveIdleUnsupported} for options with an idle time: called before a socket
 * is made, so that nothing is connected or listening when the call fails.
 */
export function refuseKeepAliveIdle(options: Partial<BackendTCPOptions> | undefined): void {
  if (options?.keepAlive && options.keepAliveIdleSeconds !== undefined) throw keepAliveIdleUnsupported();
}

/**
 * `options` (only those given) on a Deno TCP connection: `setNoDelay`, `setKeepAlive`; an idle
 * time is refused (see {@link keepAliveIdleUnsupported}) before anything changes.
 *
 * @example
 * ```ts
 * applyDenoTcpOptions(conn, { noDelay: true });
 * ```
 */
export function applyDenoTcpOptions(conn: Deno.TcpConn, options: Partial<BackendTCPOptions>): void {
  refuseKeepAliveIdle(options);
  if (options.noDelay !== undefined) conn.setNoDelay(options.noDelay);
  if (options.keepAlive !== undefined) conn.setKeepAlive(options.keepAlive);
}

/** How a {@link DenoStreamTransport} describes its connection. */
export interface DenoStreamTransportOptions {
  /** The connection's address family. */
  family: AddressFamily;
  /** Fixed addresses, when Deno's own are not what portio reports (Unix names, unmapped IPv4). */
  localAddress?: SocketAddress;
  /** The peer's address to report instead of Deno's. */
  remoteAddress?: SocketAddress;
  /** Unix streams Deno made itself: why they cannot pass fds (Deno exposes none of their fds). */
  fdPassingUnsupported?: string;
}

/** Bytes asked of the kernel per read: what one `receive()` returns at most by default. */
const READ_SIZE = 65536;
/**
 * Reads at least this long are handed out as views of the slab they were read into; shorter ones
 * are copied out so that a small message held by the application does not pin a whole slab.
 */
const HANDOVER_SIZE = 16384;
/**
 * Slab size once a connection has shown bulk traffic: one read's worth. Every byte handed out
 * must be fresh memory (the receiver owns it), and what decides the cost of fresh memory is
 * whether the allocator still holds it or has given it back to the kernel, in which case each
 * page is a fault inside the kernel's copy (about 12 µs per 4 KiB page on the benchmark VM, the
 * whole difference between a fast and a slow bulk round). 64 KiB buffers, which malloc keeps in
 * its bins, faulted 10–100 times less than 1 MiB slabs in a Deno bulk receiver measured round by
 * round (backends/deno/bench/tcp.ts prints the faults): after warm-up a median of 16–129 faults
 * per 64 MiB against 1,762–2,280 (bulk throughput follows the faults). Also measured and not
 * better: reading into one reused buffer and copying out (`slice`; more CPU per round, 73–97 ms
 * against 54 ms in tcp.ts), 1 and 4 MiB slabs (1,282–5,089 faults per round), and 256 KiB slabs
 * read whole (15–20% less receiver CPU, but two-process bulk in bench/main.mjs fell from 0.79–0.82
 * to 0.50–0.67 of raw in alternating runs).
 */
const SLAB_SIZE = READ_SIZE;
/**
 * Short reads up to this length are copied into the connection's arena ({@link ARENA_SIZE}) and
 * handed out as views of it, as Node's Buffer pool does for small buffers: on Deno every new
 * ArrayBuffer, however small, costs about 330 ns (an off-heap backing store, then garbage
 * collection work), while a copy into the arena and a view cost about 50 (measured in Deno 2.9),
 * and a 64-byte round trip allocated one per receive on each side. A chunk held by the
 * application pins at most one arena, and only bytes of its own connection.
 */
const ARENA_CHUNK_MAX = 1024;
/** A connection's arena for short chunks: 64 messages of 64 bytes per allocation. */
const ARENA_SIZE = 4096;
/**
 * A connection's first arena, which its first read goes into directly: most connections of a
 * connect/ask/close pattern read once, and a short first read then costs one small buffer instead
 * of a 16 KiB slab plus an arena to copy into. Each new ArrayBuffer costs in proportion to its
 * size once the heap is large: with portio's modules loaded (Deno's node:* layer among them), a
 * client's connect/send/receive/close took about 15 µs more CPU with a 16 KiB read buffer than
 * with a 1 KiB one (raw `Deno.connect` loops, 4,000 connections, alternating runs). A first read
 * that fills it is handed out whole too (a read may return fewer bytes than are waiting) and the
 * connection moves on to slabs.
 */
const FIRST_ARENA_SIZE = ARENA_CHUNK_MAX;

/**
 * A `Deno.Conn` (TCP or Unix) behind core's {@link StreamTransport}.
 *
 * Pull-style with one read ahead while data streams in: once `read()` has handed out a long chunk
 * the next `conn.read()` is already running, but no further, so a consumer that stops reading
 * stops the peer through the kernel's buffers and TCP flow control; at most one chunk waits in
 * memory. After a short chunk (a message) the next read starts when it is asked for. Core's
 * receive takes chunks through `readWith()` (no promise of the transport's own per chunk); `read()`
 * is for receives with a signal.
 * Reads go into a slab owned by the connection: a long read is handed out as a view of the slab
 * (no copy) and the next read goes into the space after it, a short one is copied out (into the
 * connection's small arena, up to 1 KiB) and its space reused, so bulk transfers never copy and
 * small messages do not pin a slab. A new connection's first read goes straight into its 1 KiB
 * arena; later ones go into a 16 KiB slab; the first long read
 * switches it to 64 KiB ones.
 *
 * `write()` resolves once the kernel has taken every byte (`conn.write` may take part of it), which
 * is the backpressure the contract asks for; `close()` only has to finish a write whose send was
 * aborted.
 *
 * Deno limitation: `conn.read()` reports a connection reset by the peer (ECONNRESET) as end of
 * stream, so a reset surfaces as `EndOfStream` on receive (sends still fail with EPIPE).
 *
 * @example
 * ```ts
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 8080 });
 * conn.setNoDelay(true);
 * const transport = new DenoStreamTransport(conn, { family: "inet" });
 * await transport.write(new TextEncoder().encode("ping"));
 * console.log(await transport.read());
 * await transport.close(5000);
 * ```
 */
export class DenoStreamTransport implements StreamTransport {
  readonly family: AddressFamily;
  /** Deno exposes no fds for its connections. */
  readonly fd: number | undefined = undefined;
  /** The underlying connection, for callers that need Deno-specific features. */
  readonly conn: Deno.Conn;

  #localAddress: SocketAddress | undefined;
  #remoteAddress: SocketAddress | undefined;
  #slab: Uint8Array | undefined;
  /** Where the next read goes in {@link #slab}: everything before it has been handed out. */
  #slabOffset = 0;
  /**
   * Starts at {@link HANDOVER_SIZE}: a connection that only exchanges short messages never needs
   * more, and allocating (zeroing, faulting in) 64 KiB per connection was most of what portio
   * added to Deno's connect/accept/close cost. A read that fills it is long, so bulk traffic
   * moves on to {@link SLAB_SIZE} after one read.
   */
  #slabSize = HANDOVER_SIZE;
  /**
   * The receive waiting for the read that ran ahead (a read `read()` starts itself needs none):
   * core's sink (readWith) or a `read()`'s own deferred.
   */
  #reader: ReadSink | undefined;
  /** A `conn.read` is running (for a waiting `read()`, or ahead of the next one). */
  #reading = false;
  /** Where short chunks are copied to ({@link ARENA_CHUNK_MAX}); never written twice. */
  #arena: Uint8Array | undefined;
  #arenaOffset = 0;
  /** Where the running `conn.read` writes in {@link #slab}. */
  #readStart = 0;
  /** The running `conn.read` is the connection's first, into its first arena. */
  #readIntoArena = false;
  /**
   * What a read that ran ahead brought, until a receive takes it: a chunk, `null` (end of stream),
   * or nothing (`undefined`). Kept in two fields rather than one object per read.
   */
  #landed: Uint8Array | null | undefined;
  /** How a read that ran ahead failed, until a receive takes it. */
  #landedError: { error: unknown } | undefined;
  /** The bytes of the write in progress, and how many of them the kernel has taken. */
  #writeData: Uint8Array | undefined;
  #writeOffset = 0;
  /** Deno's own pending ops, awaited on close: the fd is released only once they let go of it. */
  #readOp: Promise<unknown> | undefined;
  #writeOp: Promise<number> | undefined;
  #shutdown: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #dropWrites = false;

  /** Why this stream cannot pass fds (Unix streams; see `DenoStreamTransportOptions`). */
  readonly fdPassingUnsupported: string | undefined;

  /** Wraps `conn`; the transport owns it from now on. */
  constructor(conn: Deno.Conn, options: DenoStreamTransportOptions) {
    this.conn = conn;
    this.fdPassingUnsupported = options.fdPassingUnsupported;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#remoteAddress = options.remoteAddress;
  }

  localAddress(): SocketAddress {
    return (this.#localAddress ??= fromDenoAddr(this.conn.localAddr));
  }

  remoteAddress(): SocketAddress {
    return (this.#remoteAddress ??= fromDenoAddr(this.conn.remoteAddr));
  }

  /** TCP_NODELAY and keep-alive on the live connection (core calls it for TCP streams only). */
  setTcpOptions(options: Partial<BackendTCPOptions>): void {
    applyDenoTcpOptions(this.conn as Deno.TcpConn, options);
  }

  read(): Promise<Uint8Array | null> {
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    if (this.#reading || this.#landed !== undefined || this.#landedError !== undefined) {
      // A read ran ahead: its outcome, landed or still to come, goes where readWith() sends it.
      const call = deferred<Uint8Array | null>();
      this.readWith(call);
      return call.promise;
    }
    // The common case (every read of request/response traffic): the op's own promise carries the
    // chunk to the caller, with handlers made once per connection. A deferred settled from the op's
    // reaction instead cost a promise, three closures and one promise step per read, which is
    // measurable on 64-byte round trips. close() wakes such a read by closing the conn.
    return this.#startRead().then(
      (this.#onRead ??= (n) => {
        this.#reading = false;
        if (this.#closing !== undefined) throw socketClosedError();
        const chunk = this.#chunkOf(n);
        if (chunk !== null && chunk.length >= HANDOVER_SIZE) this.#readAhead();
        return chunk;
      }),
      (this.#onReadFailed ??= (error: unknown) => {
        this.#reading = false;
        throw this.#closing !== undefined ? socketClosedError() : error;
      }),
    );
  }

  /**
   * What core's receive uses when no signal can abandon the read: the chunk goes straight to
   * `reader`, without a promise of this transport's own between the op and core's. In bulk
   * transfers the read that ran ahead is usually still running when the next receive comes, and
   * a `read()` then cost a deferred and a `.then` step per chunk on top of core's own promise.
   */
  readWith(reader: ReadSink): void {
    const failed = this.#closing !== undefined ? { error: socketClosedError() } : this.#landedError;
    if (failed !== undefined) {
      this.#landedError = undefined;
      reader.reject(failed.error);
      return;
    }
    const landed = this.#landed;
    if (landed === undefined) {
      this.#reader = reader;
      if (!this.#reading) this.#readAhead();
      return;
    }
    this.#landed = undefined;
    if (landed !== null && landed.length >= HANDOVER_SIZE) this.#readAhead();
    reader.resolve(landed);
  }

  // Settle handlers of the common read and write, made on first use and reused: one read and one
  // write run at a time, and their state travels in the fields above.
  #onRead: ((n: number | null) => Uint8Array | null) | undefined;
  #onLanded: ((n: number | null) => void) | undefined;
  #onLandingFailed: ((error: unknown) => void) | undefined;
  #onReadFailed: ((error: unknown) => never) | undefined;
  #onWritten: ((n: number) => Promise<void> | undefined) | undefined;
  #onWriteFailed: ((error: unknown) => never) | undefined;

  /** Starts a `conn.read` into the slab (a new one when too little of it is left). */
  #startRead(): Promise<number | null> {
    if (this.#arena === undefined && this.#slab === undefined) {
      const arena = (this.#arena = new Uint8Array(FIRST_ARENA_SIZE));
      this.#readIntoArena = true;
      this.#reading = true;
      const first = this.conn.read(arena);
      this.#readOp = first;
      return first;
    }
    let slab = this.#slab;
    // A detached slab (the application transferred a chunk's .buffer) has length 0: replaced too.
    if (slab === undefined || slab.length - this.#slabOffset < HANDOVER_SIZE) {
      slab = this.#slab = new Uint8Array(this.#slabSize);
      this.#slabOffset = 0;
    }
    const start = (this.#readStart = this.#slabOffset);
    // Also after a first read that failed, whose chunkOf never ran.
    this.#readIntoArena = false;
    this.#reading = true;
    // A whole new slab is read into as it is (bulk: every read): one view fewer per read.
    const op = this.conn.read(start === 0 && slab.length <= READ_SIZE ? slab : slab.subarray(start, start + READ_SIZE));
    this.#readOp = op;
    return op;
  }

  /** What the finished read of `n` bytes hands out (`null`: end of stream). */
  #chunkOf(n: number | null): Uint8Array | null {
    if (this.#readIntoArena) {
      this.#readIntoArena = false;
      if (n === null) return null;
      // The arena's next chunks go after this one: nothing handed out is written again.
      this.#arenaOffset = n;
      return this.#arena!.subarray(0, n);
    }
    if (n === null) return null;
    const slab = this.#slab!;
    const start = this.#readStart;
    if (n >= HANDOVER_SIZE) {
      this.#slabOffset = start + n;
      this.#slabSize = SLAB_SIZE;
      return n === slab.length ? slab : slab.subarray(start, start + n);
    }
    // Copied out now: the next read reuses this space.
    if (n > ARENA_CHUNK_MAX) return slab.slice(start, start + n);
    let arena = this.#arena;
    let offset = this.#arenaOffset;
    // A detached arena (its .buffer transferred by the application) has length 0: replaced too.
    if (arena === undefined || arena.length - offset < n) {
      arena = this.#arena = new Uint8Array(ARENA_SIZE);
      offset = 0;
    }
    arena.set(slab.subarray(start, start + n), offset);
    this.#arenaOffset = offset + n;
    return arena.subarray(offset, offset + n);
  }

  /**
   * Starts the next `conn.read` ahead of `read()`. Called as soon as a long chunk is handed out, so
   * the kernel is read while the consumer works on that chunk: without it the connection sat idle
   * between a read completing and the next `read()` (Deno has no read-ahead of its own, unlike
   * libuv), which cost a third of bulk throughput. One read at most runs ahead, and its chunk waits
   * in {@link #landed}, so a consumer that stops reading still stops the peer through the kernel's
   * buffers. Not after a short chunk: request/response traffic gains nothing from it, and a read
   * left running is one more op to start and then cancel when the connection closes.
   */
  #readAhead(): void {
    this.#startRead().then(
      (this.#onLanded ??= (n) => {
        this.#reading = false;
        if (this.#closing !== undefined) return; // a waiting call was rejected already
        const chunk = this.#chunkOf(n);
        const reader = this.#reader;
        if (reader === undefined) {
          this.#landed = chunk;
          return;
        }
        this.#reader = undefined;
        // The next read starts before the chunk is handed on: core's receive settles (and its
        // caller may read again) inside resolve().
        if (chunk !== null && chunk.length >= HANDOVER_SIZE) this.#readAhead();
        reader.resolve(chunk);
      }),
      (this.#onLandingFailed ??= (error: unknown) => {
        this.#reading = false;
        if (this.#closing !== undefined) return;
        const reader = this.#reader;
        if (reader === undefined) {
          this.#landedError = { error };
          return;
        }
        this.#reader = undefined;
        reader.reject(error);
      }),
    );
  }

  /**
   * One `conn.write` per step, each step chained onto the op's own promise: almost every write is
   * taken whole by the first call, and this keeps that case to a single promise reaction, with
   * handlers made once per connection. close() wakes a write by closing the conn.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    if (this.#shutdown !== undefined) return Promise.reject(brokenPipeError("the sending side is closed"));
    this.#writeData = data;
    this.#writeOffset = 0;
    return this.#writeStep(data);
  }

  #writeStep(bytes: Uint8Array): Promise<void> {
    const op = this.conn.write(bytes);
    this.#writeOp = op;
    return op.then(
      (this.#onWritten ??= (n) => {
        // A close that gave up flushing: the rest is dropped.
        if (this.#dropWrites) throw socketClosedError();
        const data = this.#writeData!;
        const end = (this.#writeOffset += n);
        if (end < data.length) return this.#writeStep(data.subarray(end));
        // Nothing left to flush: close() then skips its flush wait (and its timer).
        this.#writeOp = undefined;
        this.#writeData = undefined;
        if (this.#closing !== undefined) throw socketClosedError();
        return undefined;
      }),
      (this.#onWriteFailed ??= (error: unknown) => {
        this.#writeOp = undefined;
        this.#writeData = undefined;
        throw this.#closing !== undefined ? socketClosedError() : error;
      }),
    );
  }

  shutdownWrite(): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(socketClosedError());
    // Core waits for the pending write first, so everything written is in the kernel by now.
    return (this.#shutdown ??= this.conn.closeWrite());
  }

  /** Settles once the write in progress has no step left, however many `conn.write`s it takes. */
  async #flushed(): Promise<void> {
    // settled() reacts after #writeStep's own reaction, which has started the next step by then.
    for (let op = this.#writeOp; op !== undefined; op = this.#writeOp) {
      await settled(op);
      if (this.#writeOp === op) return;
    }
  }

  close(flushTimeoutMs: number): Promise<void> {
    return (this.#closing ??= this.#close(flushTimeoutMs));
  }

  async #close(flushTimeoutMs: number): Promise<void> {
    // Pending calls fail at once, before anything else: core relies on close() to wake them.
    // (Reads and writes the ops carry themselves fail once the conn is closed below.)
    const reader = this.#reader;
    this.#reader = undefined;
    // A read()'s deferred is rejected as handled: its promise may have no handler yet.
    if (reader !== undefined)
      "promise" in reader ? rejectHandled(reader as Deferred<unknown>, socketClosedError()) : reader.reject(socketClosedError());
    // A write still running belongs to a send that core stopped waiting for (aborted): its bytes
    // were handed over, so they are flushed, for at most flushTimeoutMs. Writes that resolved are
    // in the kernel already. Nothing waits for the peer's FIN.
    if (this.#writeOp !== undefined && flushTimeoutMs > 0) await withinTimeout(this.#flushed(), flushTimeoutMs);
    this.#dropWrites = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by Deno (say, after an error): nothing left to release.
    }
    // Deno cancels the ops the conn still had running; the fd is closed once they let go.
    await Promise.all([settled(this.#readOp), settled(this.#writeOp), settled(this.#shutdown)]);
  }
}

/** Timer delays above this overflow to 1 ms, so such timeouts are treated as "no limit". */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

function withinTimeout(promise: Promise<void>, ms: number): Promise<void> {
  if (ms > MAX_TIMER_DELAY) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
