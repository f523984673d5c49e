import type { AddressFamily, SocketAddress } from "@portio/core";
import type { BackendTCPOptions, StreamTransport } from "@portio/core/backend";
import type { MemoryClock } from "./clock.ts";
import { copyOf } from "./bytes.ts";
import { closedError, networkError } from "./errors.ts";
import { Pipe, type Shaping } from "./pipe.ts";

/** Which end of a connection: the side that connected, or the side that accepted. */
export type ConnectionSide = "client" | "server";

/** Which bytes a `resetAfterBytes` budget counts. */
export type ResetDirection = "to-server" | "to-client" | "both";

/** What shapes a new connection (from the matching fault rules). */
export interface ConnectionFaults {
  latencyMs?: number;
  bandwidth?: number;
  resetAfterBytes?: number;
  resetDirection?: ResetDirection;
  stopReading?: ConnectionSide;
}

/**
 * The TCP options one end of a memory TCP connection holds, as a kernel would report them: what
 * portio set (`noDelay`, keep-alive), starting from Linux's defaults (Nagle on, keep-alive off,
 * 7200 s idle time).
 */
export interface MemoryTCPOptions {
  /** TCP_NODELAY. */
  noDelay: boolean;
  /** SO_KEEPALIVE. */
  keepAlive: boolean;
  /** TCP_KEEPIDLE: idle seconds before the first keep-alive probe. */
  keepAliveIdleSeconds: number;
}

let nextConnectionId = 1;

/**
 * One stream connection on a memory network (TCP, Unix, or a socketpair), with the controls a
 * test uses to break it on purpose. Get them from {@link MemoryNetwork.onConnection} or
 * {@link MemoryNetwork.connections}.
 *
 * @example
 * ```ts
 * network.onConnection((connection) => connection.resetAfterBytes(100, "to-client"));
 * ```
 */
export class MemoryConnection {
  readonly id = nextConnectionId++;
  readonly toServer: Pipe;
  readonly toClient: Pipe;
  /** Bytes the client has sent that the network took (delivered or in transit). */
  bytesToServer = 0;
  /** Bytes the server has sent that the network took. */
  bytesToClient = 0;
  readonly #tcpOptions: Record<ConnectionSide, MemoryTCPOptions> = {
    client: { noDelay: false, keepAlive: false, keepAliveIdleSeconds: 7200 },
    server: { noDelay: false, keepAlive: false, keepAliveIdleSeconds: 7200 },
  };
  #resetBudget: { remaining: number; direction: ResetDirection } | undefined;
  #vanished: ConnectionSide | undefined;
  #reset = false;
  readonly #open = new Set<ConnectionSide>(["client", "server"]);
  readonly #onEnd: () => void;

  constructor(
    readonly protocol: "tcp" | "unix",
    readonly family: AddressFamily,
    readonly clientAddress: SocketAddress,
    readonly serverAddress: SocketAddress,
    options: { capacity: number; clock: MemoryClock; faults: ConnectionFaults; onEnd: () => void },
  ) {
    const shaping = shapingOf(options.faults);
    this.toServer = new Pipe(options.capacity, options.clock, shaping);
    this.toClient = new Pipe(options.capacity, options.clock, shaping && { ...shaping });
    this.#onEnd = options.onEnd;
    // Data for a side that has closed its socket is answered with a reset, as TCP does.
    this.toServer.onDataAfterReaderGone = () => this.#resetBy("server");
    this.toClient.onDataAfterReaderGone = () => this.#resetBy("client");
    if (options.faults.resetAfterBytes !== undefined)
      this.resetAfterBytes(options.faults.resetAfterBytes, options.faults.resetDirection);
    if (options.faults.stopReading !== undefined) this.stopReading(options.faults.stopReading);
  }

  /**
   * The TCP options `side` holds now (TCP connections; a Unix one reports the defaults, which
   * nothing can change), for tests that check what the code under test asked for.
   *
   * @example
   * ```ts
   * const connection = await network.nextConnection();
   * expect(connection.tcpOptions("client").keepAlive).toBe(true);
   * ```
   */
  tcpOptions(side: ConnectionSide): MemoryTCPOptions {
    return { ...this.#tcpOptions[side] };
  }

  /** @internal What `setsockopt` would do on `side`. */
  setTcpOptions(side: ConnectionSide, options: Partial<BackendTCPOptions>): void {
    const held = this.#tcpOptions[side];
    if (options.noDelay !== undefined) held.noDelay = options.noDelay;
    if (options.keepAlive !== undefined) held.keepAlive = options.keepAlive;
    if (options.keepAlive && options.keepAliveIdleSeconds !== undefined) held.keepAliveIdleSeconds = options.keepAliveIdleSeconds;
  }

  /** Whether {@link reset} (or a fault that resets) has happened. */
  get wasReset(): boolean {
    return this.#reset;
  }

  /**
   * Resets the connection now, as an RST from the network: each side receives what was already
   * on its way, then a `BrokenResourceError` (cause code `ECONNRESET`); sends fail from now on.
   */
  reset(): void {
    if (this.#reset) return;
    this.#reset = true;
    const reset = () => networkError("ECONNRESET", "connection reset by peer");
    this.toServer.sendReset(reset(), reset());
    this.toClient.sendReset(reset(), reset());
  }

  /**
   * Resets the connection once `bytes` more bytes have crossed it (counting `direction`): exactly
   * that many arrive, the send that crosses the limit delivers its part up to it and rejects.
   */
  resetAfterBytes(bytes: number, direction: ResetDirection = "both"): void {
    if (!(Number.isInteger(bytes) && bytes >= 0)) throw new RangeError("resetAfterBytes needs a non-negative integer");
    this.#resetBudget = { remaining: bytes, direction };
    if (bytes === 0) this.reset();
  }

  /** `side` stops reading: data for it piles up in the network, and its peer's sends wait once the buffer is full. */
  stopReading(side: ConnectionSide): void {
    this.#pipeTo(side).pause();
  }

  /** Undoes {@link stopReading}: everything held back is delivered, in order. */
  resumeReading(side: ConnectionSide): void {
    this.#pipeTo(side).resume();
  }

  /**
   * Makes the connection half-open: `side` vanishes without a FIN or a reset (its host crashed or
   * a middlebox dropped the flow). The other side sees nothing: its receives wait, and its sends
   * are taken until the buffer is full, then wait, as with a peer that no longer answers. The
   * vanished side's own calls fail with `ECONNABORTED`.
   */
  halfOpen(side: ConnectionSide): void {
    if (this.#vanished !== undefined) return;
    this.#vanished = side;
    this.#pipeTo(side).pause();
    // The vanished side's own calls in progress fail now, like its later ones.
    const aborted = () => networkError("ECONNABORTED", "the connection was aborted (half-open)");
    this.#pipeTo(side).failPendingRead(aborted());
    this.#pipeTo(side === "client" ? "server" : "client").abortWaiters(aborted);
  }

  /** Sets latency and bandwidth of both directions from now on (data already sent keeps its timing). */
  shape(options: { latencyMs?: number; bandwidth?: number }): void {
    const shaping = shapingOf(options);
    this.toServer.shaping = shaping;
    this.toClient.shaping = shaping && { ...shaping };
  }

  /** @internal the half-open side's own calls fail */
  vanished(side: ConnectionSide): boolean {
    return this.#vanished === side;
  }

  /** @internal `side` sends `data` (already copied); throws if a reset budget cuts it. */
  transmit(side: ConnectionSide, data: Uint8Array): void {
    const pipe = this.#pipeTo(side === "client" ? "server" : "client");
    const budget = this.#resetBudget;
    if (
      budget !== undefined &&
      (budget.direction === "both" || budget.direction === (side === "client" ? "to-server" : "to-client"))
    ) {
      if (data.byteLength >= budget.remaining) {
        const part = data.subarray(0, budget.remaining);
        this.#count(side, part.byteLength);
        pipe.send(part);
        this.#resetBudget = undefined;
        this.reset();
        if (part.byteLength < data.byteLength) throw networkError("ECONNRESET", "connection reset by peer");
        return;
      }
      budget.remaining -= data.byteLength;
    }
    this.#count(side, data.byteLength);
    pipe.send(data);
  }

  /** @internal `side` closed its socket */
  closed(side: ConnectionSide): void {
    if (!this.#open.delete(side) || this.#open.size > 0) return;
    // Both sockets are gone: the connection (and the client's port) is released.
    this.toServer.dispose();
    this.toClient.dispose();
    this.#onEnd();
  }

  /** @internal the pipe that carries data to `side` */
  pipeTo(side: ConnectionSide): Pipe {
    return this.#pipeTo(side);
  }

  /** @internal `side` closed with data unread, or got data after closing: an RST goes to the other side. */
  resetFrom(side: ConnectionSide): void {
    this.#resetBy(side);
  }

  #resetBy(side: ConnectionSide): void {
    if (this.#reset) return;
    this.#reset = true;
    // The side that resets is gone: only its peer hears about it; the peer can no longer send.
    this.#pipeTo(side === "client" ? "server" : "client").sendReset(
      networkError("ECONNRESET", "connection reset by peer"),
      networkError("EPIPE", "broken pipe"),
    );
    this.#pipeTo(side).breakSending(networkError("EPIPE", "broken pipe: the peer has closed the connection"));
  }

  #count(side: ConnectionSide, bytes: number): void {
    if (side === "client") this.bytesToServer += bytes;
    else this.bytesToClient += bytes;
  }

  #pipeTo(side: ConnectionSide): Pipe {
    return side === "server" ? this.toServer : this.toClient;
  }
}

function shapingOf(options: { latencyMs?: number; bandwidth?: number }): Shaping | undefined {
  if (!options.latencyMs && options.bandwidth === undefined) return undefined;
  if (options.bandwidth !== undefined && !(options.bandwidth > 0))
    throw new RangeError("bandwidth must be a positive number of bytes per second");
  return { latencyMs: Math.max(0, options.latencyMs ?? 0), bytesPerSecond: options.bandwidth };
}

/** One end of a {@link MemoryConnection} as core's {@link StreamTransport}. */
export class MemoryStreamTransport implements StreamTransport {
  readonly fd = undefined;
  /** Why `sendFds` / `receiveFds` are refused on a memory stream. */
  readonly fdPassingUnsupported =
    "the memory backend has no file descriptors to pass: hand the objects themselves over within the process, " +
    "or use a real backend (node, deno, bun) for sendFds / receiveFds";
  #closed = false;
  #writeShut = false;
  readonly #in: Pipe;
  readonly #out: Pipe;

  constructor(
    readonly connection: MemoryConnection,
    readonly side: ConnectionSide,
    readonly family: AddressFamily,
    readonly local: SocketAddress,
    readonly remote: SocketAddress,
  ) {
    this.#in = connection.pipeTo(side);
    this.#out = connection.pipeTo(side === "client" ? "server" : "client");
  }

  localAddress(): SocketAddress {
    return this.local;
  }

  remoteAddress(): SocketAddress {
    return this.remote;
  }

  /** TCP_NODELAY and keep-alive on this end (core calls it for TCP streams only). */
  setTcpOptions(options: Partial<BackendTCPOptions>): void {
    this.connection.setTcpOptions(this.side, options);
  }

  read(): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.connection.vanished(this.side))
      return Promise.reject(networkError("ECONNABORTED", "the connection was aborted (half-open)"));
    return this.#in.read();
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.#closed) throw closedError();
    if (this.connection.vanished(this.side)) throw networkError("ECONNABORTED", "the connection was aborted (half-open)");
    if (this.#writeShut) throw networkError("EPIPE", "broken pipe: this side has sent its end of stream");
    const error = this.#out.sendError;
    if (error) throw error;
    // A copy: the caller may reuse its buffer once send() resolves, as with a kernel socket.
    this.connection.transmit(this.side, copyOf(data));
    await this.#out.waitForRoom();
  }

  async shutdownWrite(): Promise<void> {
    if (this.#closed) throw closedError();
    if (this.#writeShut) return;
    this.#writeShut = true;
    if (!this.#out.sendError && !this.connection.vanished(this.side)) this.#out.sendEof();
  }

  async close(_flushTimeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const unread = this.#in.hasUnread;
    // Pending calls settle at once, before anything else (core's contract).
    this.#in.closeReader(closedError);
    this.#out.abortWaiters(closedError);
    if (!this.connection.vanished(this.side)) {
      // Closing with unread data answers with RST instead of FIN, as Linux does.
      if (unread) this.connection.resetFrom(this.side);
      else if (!this.#writeShut && !this.#out.sendError) this.#out.sendEof();
    }
    this.connection.closed(this.side);
  }
}
