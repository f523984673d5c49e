import type { AddressFamily, SocketAddress } from "@portio/core";
import type { BackendTCPOptions, ListenerTransport } from "@portio/core/backend";
import { closedError, networkError } from "./errors.ts";
import type { MemoryStreamTransport } from "./stream.ts";

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A listening socket on a memory network. Connections wait in an accept queue of `backlog`
 * entries, established from the client's point of view; a client that finds the queue full
 * waits, like a SYN the kernel drops and the client retransmits, until `accept()` makes room,
 * the listener closes (ECONNREFUSED) or the connect times out.
 */
export class MemoryListener implements ListenerTransport {
  readonly fd = undefined;
  readonly #queue: MemoryStreamTransport[] = [];
  readonly #admissions: Array<Waiter<void>> = [];
  #accepting: Waiter<MemoryStreamTransport> | undefined;
  #closed = false;
  /** Admitted connections not enqueued yet: they hold their place in the queue. */
  #reserved = 0;
  /** What accepted TCP connections get set (createTcpListener's options); none on Unix listeners. */
  tcpOptions: Partial<BackendTCPOptions> | undefined;

  constructor(
    readonly family: AddressFamily,
    readonly local: SocketAddress,
    readonly backlog: number,
    readonly onClose: () => void,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Connections established and not accepted yet. */
  get queued(): number {
    return this.#queue.length;
  }

  localAddress(): SocketAddress {
    return this.local;
  }

  /** Reserves a place in the accept queue if there is one free and nobody is waiting for one. */
  tryAdmit(): boolean {
    if (this.#closed || !this.#hasRoom() || this.#admissions.length > 0) return false;
    this.#reserved++;
    return true;
  }

  /** Resolves when the accept queue has room for one more connection. */
  admit(signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(networkError("ECONNREFUSED", "connection refused"));
    if (this.tryAdmit()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<void> = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          this.#reserved++;
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const index = this.#admissions.indexOf(waiter);
        if (index >= 0) this.#admissions.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#admissions.push(waiter);
    });
  }

  /** Gives back a place {@link admit} reserved, for a connect that failed afterwards. */
  cancelAdmission(): void {
    this.#reserved--;
    this.#admitNext();
  }

  #hasRoom(): boolean {
    return this.#accepting !== undefined || this.#queue.length + this.#reserved < this.backlog;
  }

  /** Queues an established connection (after {@link admit}), or hands it to a waiting accept. */
  enqueue(server: MemoryStreamTransport): void {
    this.#reserved--;
    if (this.#closed) {
      // Closed between admitting the connect and now: the client is reset, as by the kernel.
      server.connection.reset();
      void server.close(0);
      return;
    }
    const accepting = this.#accepting;
    if (accepting !== undefined) {
      this.#accepting = undefined;
      accepting.resolve(server);
    } else {
      this.#queue.push(server);
    }
  }

  accept(): Promise<MemoryStreamTransport> {
    if (this.#closed) return Promise.reject(closedError());
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#admitNext();
      return Promise.resolve(next);
    }
    // An accept is waiting: one SYN held back by a full queue can go through.
    const promise = new Promise<MemoryStreamTransport>((resolve, reject) => (this.#accepting = { resolve, reject }));
    this.#admitNext();
    return promise;
  }

  #admitNext(): void {
    if (this.#closed || !this.#hasRoom()) return;
    this.#admissions.shift()?.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const accepting = this.#accepting;
    this.#accepting = undefined;
    accepting?.reject(closedError());
    for (const waiter of this.#admissions.splice(0))
      waiter.reject(networkError("ECONNREFUSED", "connection refused: the listener closed"));
    this.onClose();
    // Connections nobody accepted are reset, as the kernel does when a listening socket closes.
    for (const server of this.#queue.splice(0)) {
      server.connection.reset();
      await server.close(0);
    }
  }
}
