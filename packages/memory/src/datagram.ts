import type { AddressFamily, SocketAddress } from "@portio/core";
import { DatagramQueue, type DatagramTransport } from "@portio/core/backend";
import { copyOf } from "./bytes.ts";
import { closedError, networkError } from "./errors.ts";

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Where a datagram socket's sends go: the network routes them (faults, lookup, delivery). */
export interface DatagramRoute {
  /** `closed` aborts when the sending socket closes: a send waiting for room then gives up. */
  send(from: MemoryDatagramTransport, data: Uint8Array, to: SocketAddress, closed: AbortSignal): Promise<void>;
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
  /** Aborted by close(): sends still waiting for room in a receiver reject at once. */
  readonly #closing = new AbortController();
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
    const closed = this.#closing.signal;
    return this.route.send(this, copyOf(data), destination, closed).catch((error: unknown) => {
      throw closed.aborted ? closedError() : error;
    });
  }

  /** @internal a datagram arrives (UDP: dropped when the queue is full). */
  deliver(data: Uint8Array, sender: SocketAddress): void {
    if (this.#closed) return;
    if (this.#udp) {
      this.#udp.push(data, sender);
      return;
    }
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      receiver.resolve([data, sender]);
    } else {
      this.#items.push([data, sender]);
    }
  }

  /** @internal Unix: resolves once the queue has room for one more datagram (the sender waits). */
  waitForRoom(senderClosed: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(networkError("ECONNREFUSED", "connection refused: the receiving socket closed"));
    if (senderClosed.aborted) return Promise.reject(closedError());
    if (this.#items.length < this.capacity && this.#roomWaiters.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onClose = () => {
        const index = this.#roomWaiters.indexOf(waiter);
        if (index >= 0) this.#roomWaiters.splice(index, 1);
        reject(closedError());
      };
      const waiter: Waiter<void> = {
        resolve: () => {
          senderClosed.removeEventListener("abort", onClose);
          resolve();
        },
        reject: (error) => {
          senderClosed.removeEventListener("abort", onClose);
          reject(error);
        },
      };
      senderClosed.addEventListener("abort", onClose, { once: true });
      this.#roomWaiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#udp?.fail(closedError());
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.reject(closedError());
    for (const waiter of this.#roomWaiters.splice(0))
      waiter.reject(networkError("ECONNREFUSED", "connection refused: the receiving socket closed"));
    this.#items.length = 0;
    this.route.close(this);
  }
}
