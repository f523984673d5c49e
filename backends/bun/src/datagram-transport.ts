import type { udp } from "bun";
import type { IPSocketAddress, SocketAddress } from "@portio/core";
import { DatagramQueue, type DatagramTransport } from "@portio/core/backend";
import { codedError, isTransientDatagramError, socketClosedError } from "@portio/node-shared";
import { deferred, type Deferred } from "@portio/core/backend";

/** How a {@link BunDatagramTransport} describes its socket. */
export interface BunDatagramTransportOptions {
  family: "inet" | "inet6";
  /** The peer of a connected socket (Bun's `remoteAddress`, normalised by the caller). */
  remoteAddress?: IPSocketAddress;
  /**
   * Send to `remoteAddress` by address: for an adopted connected fd, which Bun's socket does not
   * know to be connected (the kernel accepts the peer's own address on a connected socket).
   */
  sendToPeer?: boolean;
  /** How many received datagrams wait before new ones are dropped (default: core's). */
  queueSize?: number;
}

type AnyUdpSocket = udp.Socket<"uint8array"> | udp.ConnectedSocket<"uint8array">;

/**
 * A `Bun.udpSocket` (connected or not) behind core's {@link DatagramTransport}.
 *
 * Bun pushes every datagram to a `data` handler and cannot be paused, so datagrams go into a
 * core {@link DatagramQueue}: bounded, dropping the newest when full, as the kernel does.
 *
 * Bun calls the `error` handler with **no error object** when the kernel reports an ICMP error
 * for an earlier datagram (ECONNREFUSED after sending to a closed port). Such errors concern one
 * datagram, not the socket; they are counted in {@link transientErrors} and receiving goes on,
 * as on Node and in AnyIO.
 *
 * `send()` returning `false` means the kernel's send buffer is full: the datagram was not sent,
 * so it is sent again on `drain`.
 *
 * Create it with {@link BunDatagramTransport.handlers} as the socket's handlers, then
 * {@link attach} the socket.
 *
 * @example
 * ```ts
 * const transport = new BunDatagramTransport({ family: "inet" });
 * transport.attach(await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, binaryType: "uint8array", socket: transport.handlers }));
 * const [data, sender] = await transport.receive();
 * ```
 */
export class BunDatagramTransport implements DatagramTransport {
  readonly family: "inet" | "inet6";
  readonly queue: DatagramQueue;
  /** Handlers for `Bun.udpSocket`; they feed this transport. */
  readonly handlers;
  /** ICMP-style errors the socket reported (Bun gives no error object for them). */
  transientErrors = 0;

  #socket: AnyUdpSocket | undefined;
  #localAddress: IPSocketAddress | undefined;
  readonly #remoteAddress: IPSocketAddress | undefined;
  readonly #sendToPeer: boolean;
  #fd: number | undefined;
  #waiting: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;
  #drain: Deferred<void> | undefined;

  constructor(options: BunDatagramTransportOptions) {
    this.family = options.family;
    this.#remoteAddress = options.remoteAddress;
    this.#sendToPeer = options.sendToPeer === true && options.remoteAddress !== undefined;
    const queue = (this.queue = new DatagramQueue(options.queueSize));
    const peer = options.remoteAddress;
    this.handlers = {
      // A connected socket only hears from its peer: one tuple for all datagrams.
      data:
        peer === undefined
          ? (_socket: unknown, data: Uint8Array, port: number, address: string) => queue.pushFrom(data, address, port)
          : (_socket: unknown, data: Uint8Array) => queue.push(data, peer),
      drain: () => {
        const drain = this.#drain;
        this.#drain = undefined;
        drain?.resolve();
      },
      error: (_socket: unknown, error: Error | undefined) => {
        if (error === undefined || isTransientDatagramError(error)) this.transientErrors++;
        else queue.fail(error);
      },
    };
  }

  /** Takes over the socket `Bun.udpSocket` made with {@link handlers}. */
  attach(socket: AnyUdpSocket, localAddress?: IPSocketAddress): void {
    this.#socket = socket;
    const fd = (socket as unknown as { fd?: number }).fd;
    this.#fd = typeof fd === "number" && fd >= 0 ? fd : undefined;
    this.#localAddress = localAddress ?? [socket.address.address, socket.address.port];
  }

  get fd(): number | undefined {
    return this.#fd;
  }

  localAddress(): IPSocketAddress {
    if (this.#localAddress === undefined) throw socketClosedError("UDP socket");
    return this.#localAddress;
  }

  /** @throws an `ENOTCONN` error when the socket is not connected to a peer */
  remoteAddress(): IPSocketAddress {
    if (this.#remoteAddress === undefined) {
      throw codedError(
        "the UDP socket is not connected: remoteAddress() needs a socket made by createConnectedUdpSocket()",
        "ENOTCONN",
      );
    }
    return this.#remoteAddress;
  }

  receive(): Promise<[Uint8Array, IPSocketAddress]> {
    const next = this.queue.shift() as Promise<[Uint8Array, IPSocketAddress]>;
    if (this.queue.size === 0) this.#waiting = next;
    return next;
  }

  /** A datagram already queued, without a promise (see `DatagramQueue.take`). */
  tryReceive(): [Uint8Array, IPSocketAddress] | undefined {
    return this.queue.take() as [Uint8Array, IPSocketAddress] | undefined;
  }

  /** The next datagram to a callback (see `DatagramQueue.shiftTo`): no promise of its own. */
  receiveWithCallback(resolve: (datagram: [Uint8Array, SocketAddress]) => void, reject: (error: unknown) => void): void {
    this.queue.shiftTo(resolve, reject);
  }

  async send(data: Uint8Array, to?: IPSocketAddress): Promise<void> {
    while (!this.trySend(data, to)) await (this.#drain ??= deferred()).promise;
  }

  /**
   * Sends now: `true` once the kernel took the datagram, `false` (nothing sent) when its send
   * buffer is full and `send()` has to wait for `drain`. Bun throws the kernel's error (EMSGSIZE,
   * ...) synchronously; core reports it.
   */
  trySend(data: Uint8Array, to?: IPSocketAddress): boolean {
    if (to === undefined && this.#sendToPeer) to = this.#remoteAddress;
    const socket = this.#socket;
    if (socket === undefined || this.#closing !== undefined || socket.closed) throw socketClosedError("UDP socket");
    return to === undefined
      ? (socket as udp.ConnectedSocket<"uint8array">).send(data)
      : (socket as udp.Socket<"uint8array">).send(data, to[1], to[0]);
  }

  /** Closes the socket; Bun releases the fd inside `close()`. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#waiting?.catch(() => {});
      this.#waiting = undefined;
      this.queue.fail(socketClosedError("UDP socket"));
      const drain = this.#drain;
      this.#drain = undefined;
      drain?.reject(socketClosedError("UDP socket"));
      drain?.promise.catch(() => {});
      this.#socket?.close();
    })();
    return this.#closing;
  }
}
