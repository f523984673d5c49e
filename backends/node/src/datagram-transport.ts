import type { RemoteInfo, Socket } from "node:dgram";
import type { IPSocketAddress, SocketAddress } from "@portio/core";
import { DatagramQueue, type DatagramTransport } from "@portio/core/backend";
import { isTransientDatagramError, socketClosedError, type CodedError } from "@portio/node-shared";

/** How a {@link NodeDatagramTransport} describes its socket. */
export interface NodeDatagramTransportOptions {
  /** `"inet"` for a `udp4` socket, `"inet6"` for `udp6`. */
  family: "inet" | "inet6";
  /**
   * How many received datagrams wait for `receive()` before new ones are dropped (default: core's
   * `DEFAULT_DATAGRAM_QUEUE_SIZE`).
   */
  queueSize?: number;
}

const ignore = (): void => {};

/**
 * A bound `node:dgram` socket (connected or not) behind core's {@link DatagramTransport}.
 *
 * `node:dgram` pushes every datagram as a `'message'` event and cannot be paused, so the
 * datagrams go into a core {@link DatagramQueue} that `receive()` drains: bounded, and when full
 * it drops the newest datagram and counts it in `queue.dropped`, as the kernel does with a full
 * receive buffer.
 *
 * ICMP errors that the kernel reports on a later `recvmsg` (ECONNREFUSED after sending to a closed
 * port, EHOSTUNREACH, ...) do not fail `receive()`: they belong to an earlier datagram, not to
 * the socket, and Node keeps receiving after them. AnyIO on asyncio ignores them the same way. The
 * last one is kept in {@link lastTransientError} for diagnostics.
 *
 * @example
 * ```ts
 * import dgram from "node:dgram";
 * const socket = dgram.createSocket("udp4");
 * socket.bind({ address: "127.0.0.1", port: 0 }, async () => {
 *   const transport = new NodeDatagramTransport(socket, { family: "inet" });
 *   await transport.send(new TextEncoder().encode("hi"), transport.localAddress());
 *   const [data, sender] = await transport.receive();
 *   await transport.close();
 * });
 * ```
 */
export class NodeDatagramTransport implements DatagramTransport {
  readonly family: "inet" | "inet6";
  /** The underlying Node socket, for callers that need Node-specific features. */
  readonly socket: Socket;
  /** Received datagrams that nobody has asked for yet, and the count of those dropped. */
  readonly queue: DatagramQueue;

  #lastTransientError: CodedError | undefined;
  #localAddress: IPSocketAddress | undefined;
  #remoteAddress: IPSocketAddress | undefined;
  /** The promise of a `receive()` that had to wait: close marks it handled before failing it. */
  #waiting: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  /** `socket` must already be bound (and connected, for a connected transport). */
  constructor(socket: Socket, options: NodeDatagramTransportOptions) {
    this.socket = socket;
    this.family = options.family;
    const queue = (this.queue = new DatagramQueue(options.queueSize));
    let connectedPeer: IPSocketAddress | undefined;
    try {
      connectedPeer = this.remoteAddress();
    } catch {
      // not connected
    }
    const peer = connectedPeer;
    // Hot path: one listener for the socket's life. A connected socket only ever hears from its
    // peer, so it reuses the peer tuple for every datagram.
    socket.on(
      "message",
      peer === undefined
        ? (message: Buffer, rinfo: RemoteInfo) =>
            queue.pushFrom(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), rinfo.address, rinfo.port)
        : (message: Buffer) => queue.push(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), peer),
    );
    // Always listening for 'error' also keeps Node from turning it into an uncaught exception.
    socket.on("error", (error: CodedError) => {
      if (error.syscall === "recvmsg" && isTransientDatagramError(error)) {
        this.#lastTransientError = error;
      } else {
        queue.fail(error);
      }
    });
    // Closed behind our back (someone called socket.close() directly): wake a pending receive.
    socket.once("close", () => this.#failQueue());
  }

  /** The last ICMP-style error the kernel reported for this socket (see the class comment). */
  get lastTransientError(): CodedError | undefined {
    return this.#lastTransientError;
  }

  /** The OS file descriptor, while the socket is open. */
  get fd(): number | undefined {
    return dgramFdOf(this.socket);
  }

  localAddress(): IPSocketAddress {
    if (this.#localAddress === undefined) {
      let address: { address: string; port: number };
      try {
        address = this.socket.address();
      } catch {
        throw socketClosedError("UDP socket");
      }
      this.#localAddress = [address.address, address.port];
    }
    return this.#localAddress;
  }

  /** @throws an `ENOTCONN` error when the socket is not connected to a peer */
  remoteAddress(): IPSocketAddress {
    if (this.#remoteAddress === undefined) {
      let address: { address: string; port: number };
      try {
        address = this.socket.remoteAddress();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ERR_SOCKET_DGRAM_NOT_RUNNING") throw socketClosedError("UDP socket");
        throw notConnectedError();
      }
      this.#remoteAddress = [address.address, address.port];
    }
    return this.#remoteAddress;
  }

  receive(): Promise<[Uint8Array, IPSocketAddress]> {
    if (this.queue.size > 0) return this.queue.shift() as Promise<[Uint8Array, IPSocketAddress]>;
    const waiting = this.queue.shift() as Promise<[Uint8Array, IPSocketAddress]>;
    this.#waiting = waiting;
    return waiting;
  }

  /** A datagram already queued, without a promise (see `DatagramQueue.take`). */
  tryReceive(): [Uint8Array, IPSocketAddress] | undefined {
    return this.queue.take() as [Uint8Array, IPSocketAddress] | undefined;
  }

  /** The next datagram to a callback (see `DatagramQueue.shiftTo`): no promise of its own. */
  receiveWithCallback(resolve: (datagram: [Uint8Array, SocketAddress]) => void, reject: (error: unknown) => void): void {
    this.queue.shiftTo(resolve, reject);
  }

  send(data: Uint8Array, to?: IPSocketAddress): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        this.sendWithCallback(data, to, (error?: unknown) => (error == null ? resolve() : reject(error)));
      } catch (error) {
        reject(error);
      }
    });
  }

  /**
   * node:dgram's own form: Node calls `done` on the next tick when the kernel took the datagram
   * at once (the usual case), or when libuv has sent it after the socket became writable. Throws
   * synchronously when the socket is closed or Node refuses an argument.
   */
  sendWithCallback(data: Uint8Array, to: IPSocketAddress | undefined, done: (error?: unknown) => void): void {
    if (to === undefined) this.socket.send(data, done);
    else this.socket.send(data, to[1], to[0], done);
  }

  /** Closes the socket; the fd is released when this resolves. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#failQueue();
      try {
        // libuv closes a UDP fd synchronously inside uv_close(); 'close' follows on the next tick.
        this.socket.close(() => resolve());
      } catch {
        // ERR_SOCKET_DGRAM_NOT_RUNNING: it was closed already.
        resolve();
      }
    });
    return this.#closing;
  }

  #failQueue(): void {
    // Core stops waiting for a pending receive when it closes the socket, so its rejection must
    // not surface as unhandled.
    this.#waiting?.catch(ignore);
    this.#waiting = undefined;
    this.queue.fail(socketClosedError("UDP socket"));
  }
}

function notConnectedError(): CodedError {
  const error = new Error(
    "the UDP socket is not connected: remoteAddress() needs a socket made by createConnectedUdpSocket()",
  ) as CodedError;
  error.code = "ENOTCONN";
  return error;
}

/**
 * The fd of a `dgram.Socket`. The handle sits behind an internal symbol (`state symbol`) rather
 * than in `_handle` as for `net.Socket`; dgram's `_handle` getter still exists but emits a
 * DEP0112 DeprecationWarning, so it is not used. Returns undefined when Node changes this.
 */
export function dgramFdOf(socket: Socket): number | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === "state symbol");
  if (key === undefined) return undefined;
  const state = (socket as unknown as Record<symbol, { handle?: { fd?: number } | null } | undefined>)[key];
  const fd = state?.handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}
