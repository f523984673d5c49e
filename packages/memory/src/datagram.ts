import { DatagramQueue, type AddressFamily, type DatagramTransport, type SocketAddress } from "@portio/core";
import { closedError, networkError } from "./errors.js";

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Where a datagram socket's sends go: the network routes them (faults, lookup, delivery). */
export interface DatagramRoute {
  send(from: MemoryDatagramTransport, data: Uint8Array, to: SocketAddress): Promise<void>;
  close(socket: MemoryDatagramTransport): void;
}

/**
 * A datagram socket on a memory network. UDP sockets drop what arrives while their queue is full
 * (core's {@link DatagramQueue}, as a full kernel buffer does); Unix datagram sockets are reliable
 * and hold the sender back instead, as Linux does.
 */
export class MemoryDatagramTransport implements DatagramTransport {
  readonly fd = undefined;
  #closed = false;
  readonly #udp: DatagramQueue | undefined;
  /** Unix: the reliable, bounded queue and the senders waiting for room in it. */
  readonly #items: Array<[Uint8Array, SocketAddress]> = [];
  readonly #roomWaiters: Array<Waiter<void>> = [];
  #receiver: Waiter<[Uint8Array, SocketAddress]> | undefined;
  /** The other end of a `socketpair("dgram")`. */
  peer: MemoryDatagramTransport | undefined;

  constructor(
    readonly family: AddressFamily,
    public local: SocketAddress,
    readonly remote: SocketAddress | undefined,
    readonly capacity: number,
    readonly route: DatagramRoute,
  ) {
    if (family !== "unix") this.#udp = new DatagramQueue(capacity);
  }

  get closed(): boolean {
    return this.#closed;
  }

  localAddress(): SocketAddress {
    return this.local;
  }

  remoteAddress(): SocketAddress {
    if (this.remote === undefined) throw new TypeError("this datagram socket is not connected");
    return this.remote;
  }

  receive(): Promise<[Uint8Array, SocketAddress]> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#udp) return this.#udp.shift();
    const item = this.#items.shift();
    if (item !== undefined) {
      this.#roomWaiters.shift()?.resolve();
      return Promise.resolve(item);
    }
    return new Promise((resolve, reject) => (this.#receiver = { resolve, reject }));
  }

  send(data: Uint8Array, to?: SocketAddress): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const destination = to ?? this.remote;
    if (destination === undefined) return Promise.reject(networkError("EDESTADDRREQ", "destination address required"));
    return this.route.send(this, data.slice(), destination);
  }

  /** @internal a datagram arrives (UDP: dropped when the queue is full). */
  deliver(data: Uint8Array, sender: SocketAddress): void {
    if (this.#closed) return;
    if (this.#udp) return this.#udp.push(data, sender);
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      receiver.resolve([data, sender]);
    } else {
      this.#items.push([data, sender]);
    }
  }

  /** @internal Unix: resolves once the queue has room for one more datagram (the sender waits). */
  waitForRoom(): Promise<void> {
    if (this.#closed) return Promise.reject(networkError("ECONNREFUSED", "connection refused: the receiving socket closed"));
    if (this.#items.length < this.capacity && this.#roomWaiters.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#roomWaiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#udp?.fail(closedError());
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.reject(closedError());
    for (const waiter of this.#roomWaiters.splice(0)) waiter.reject(networkError("ECONNREFUSED", "connection refused: the receiving socket closed"));
    this.#items.length = 0;
    this.route.close(this);
  }
}
