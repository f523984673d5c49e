import type { AddressFamily, SocketAddress } from "@portio/core";
import { AcceptQueue, type ListenerTransport } from "@portio/core/backend";
import { errorCode, isTransientAcceptError, settled, socketClosedError } from "@portio/node-shared";
import type { DenoStreamTransport } from "./stream-transport.ts";

/** How a {@link DenoListenerTransport} describes its listener and wraps what it accepts. */
export interface DenoListenerTransportOptions {
  /** The listener's address family. */
  family: AddressFamily;
  /** The address to report (Deno's own is wrong for abstract and dual-stack listeners). */
  localAddress: SocketAddress;
  /** Turns an accepted connection into a transport (sets TCP_NODELAY, the family, Unix addresses). */
  wrap(conn: Deno.Conn): DenoStreamTransport;
  /** Runs once the listener is closed and its fd released (a Unix listener removes its socket file). */
  onClosed?: () => void | Promise<void>;
}

/**
 * A `Deno.Listener` behind core's {@link ListenerTransport}. Pull-style: `accept()` asks Deno for
 * one connection only when core asks, so connections nobody accepted yet wait in the kernel's
 * backlog; one that Deno hands over after core stopped waiting (an aborted accept) waits in the
 * queue for the next call.
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
  readonly #queue = new AcceptQueue<DenoStreamTransport>({ closedError: () => socketClosedError("listener") });
  /** Deno's accept op in flight, if any: at most one, whatever core does. */
  #acceptOp: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;
  readonly #onClosed: (() => void | Promise<void>) | undefined;

  /** Wraps `listener`; the transport owns it from now on. */
  constructor(listener: Deno.Listener, options: DenoListenerTransportOptions) {
    this.listener = listener;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#wrap = options.wrap;
    this.#onClosed = options.onClosed;
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  accept(): Promise<DenoStreamTransport> {
    const next = this.#queue.shift();
    if (this.#queue.waiting) this.#pull();
    return next;
  }

  #pull(): void {
    if (this.#acceptOp !== undefined) return;
    const op = this.listener.accept();
    this.#acceptOp = op;
    op.then(
      (conn) => {
        this.#acceptOp = undefined;
        let transport: DenoStreamTransport;
        try {
          transport = this.#wrap(conn);
        } catch (error) {
          try {
            conn.close();
          } catch {
            /* already gone */
          }
          // setNoDelay on a connection the peer already reset: skip it like a transient error.
          this.#failed(isTransientAcceptError(error) || errorCode(error) === "ECONNRESET" ? undefined : error);
          return;
        }
        // Once closed, the queue closes it: nobody will take it.
        this.#queue.push(transport);
      },
      (error: unknown) => {
        this.#acceptOp = undefined;
        if (!this.#queue.closed) this.#failed(isTransientAcceptError(error) ? undefined : error);
      },
    );
  }

  /** One accept came to nothing: skip a transient failure (`undefined`), report any other. */
  #failed(error: unknown): void {
    if (error !== undefined) this.#queue.fail(error);
    else if (this.#queue.waiting) this.#pull();
  }

  /** Stops listening; a pending `accept()` rejects at once; resolves once Deno has let go of the fd. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    const unaccepted = this.#queue.close();
    const op = this.#acceptOp;
    try {
      this.listener.close();
    } catch {
      /* already closed */
    }
    await Promise.all([unaccepted, settled(op)]);
    await this.#onClosed?.();
  }
}
