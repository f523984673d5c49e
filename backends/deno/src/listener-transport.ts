import type { AddressFamily, ListenerTransport, SocketAddress } from "@portio/core";
import { errorCode, isTransientAcceptError, rejectHandled, settled, socketClosedError, waiter, type Waiter } from "@portio/node-compat";
import type { DenoStreamTransport } from "./stream-transport.ts";

/** How a {@link DenoListenerTransport} describes its listener and wraps what it accepts. */
export interface DenoListenerTransportOptions {
  family: AddressFamily;
  localAddress: SocketAddress;
  /** Turns an accepted connection into a transport (sets TCP_NODELAY, the family, Unix addresses). */
  wrap(conn: Deno.Conn): DenoStreamTransport;
}

/**
 * A `Deno.Listener` behind core's {@link ListenerTransport}. Pull-style: `accept()` asks Deno for
 * one connection only when core asks, so connections nobody accepted yet wait in the kernel's
 * backlog (and an aborted accept loses none of them: the op stays pending for the next call).
 *
 * @example
 * ```ts
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const transport = new DenoListenerTransport(listener, {
 *   family: "inet",
 *   localAddress: ["127.0.0.1", (listener.addr as Deno.NetAddr).port],
 *   wrap: (conn) => new DenoStreamTransport(conn, { family: "inet" }),
 * });
 * const stream = await transport.accept();
 * ```
 */
export class DenoListenerTransport implements ListenerTransport {
  readonly family: AddressFamily;
  readonly fd: number | undefined = undefined;
  /** The underlying listener, for callers that need Deno-specific features. */
  readonly listener: Deno.Listener;

  readonly #localAddress: SocketAddress;
  readonly #wrap: (conn: Deno.Conn) => DenoStreamTransport;
  #acceptor: Waiter<DenoStreamTransport> | undefined;
  #acceptOp: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(listener: Deno.Listener, options: DenoListenerTransportOptions) {
    this.listener = listener;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#wrap = options.wrap;
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  accept(): Promise<DenoStreamTransport> {
    if (this.#closing !== undefined) return Promise.reject(socketClosedError("listener"));
    const call = waiter<DenoStreamTransport>();
    this.#acceptor = call;
    this.#next(call);
    return call.promise;
  }

  #next(call: Waiter<DenoStreamTransport>): void {
    const op = this.listener.accept();
    this.#acceptOp = op;
    op.then(
      (conn) => {
        if (this.#acceptor !== call) {
          // Closed while Deno was handing the connection over: nobody will take it.
          try {
            conn.close();
          } catch { /* already gone */ }
          return;
        }
        let transport: DenoStreamTransport;
        try {
          transport = this.#wrap(conn);
        } catch (error) {
          // setNoDelay on a connection the peer already reset: skip it like a transient error.
          try {
            conn.close();
          } catch { /* already gone */ }
          if (isTransientAcceptError(error) || errorCode(error) === "ECONNRESET") {
            this.#next(call);
            return;
          }
          this.#acceptor = undefined;
          call.reject(error);
          return;
        }
        this.#acceptor = undefined;
        call.resolve(transport);
      },
      (error: unknown) => {
        if (this.#acceptor !== call) return;
        if (isTransientAcceptError(error)) {
          this.#next(call);
          return;
        }
        this.#acceptor = undefined;
        call.reject(error);
      },
    );
  }

  /** Stops listening; a pending `accept()` rejects at once; resolves once Deno has let go of the fd. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    const acceptor = this.#acceptor;
    this.#acceptor = undefined;
    if (acceptor !== undefined) rejectHandled(acceptor, socketClosedError("listener"));
    try {
      this.listener.close();
    } catch { /* already closed */ }
    await settled(this.#acceptOp);
  }
}
