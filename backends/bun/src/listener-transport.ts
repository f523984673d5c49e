import type { Socket, SocketListener } from "bun";
import type { AddressFamily, SocketAddress } from "@portio/core";
import {
  AcceptQueue,
  type AcceptSink,
  type BackendTCPOptions,
  type ListenerTransport,
  type StreamTransport,
} from "@portio/core/backend";
import { libcStreamFromDuplicate } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.ts";

import { socketClosedError } from "@portio/node-shared";
import { streamHandlers } from "./socket-handlers.ts";
import { BunStreamTransport, applyBunTcpOptions, type BunStreamTransportOptions } from "./stream-transport.ts";

/** How a {@link BunListenerTransport} describes its listener and the streams it accepts. */
export interface BunListenerTransportOptions {
  family: AddressFamily;
  /** The bound address. */
  localAddress: SocketAddress;
  /** What accepted streams report (Unix: fixed addresses, since Bun reports none). */
  accepted: BunStreamTransportOptions;
  /** TCP options for every accepted socket (TCP only; absent: none set). */
  tcpOptions?: Partial<BackendTCPOptions>;
  /** Runs once the listener is closed and its fd released (a Unix listener removes its socket file). */
  onClosed?: () => void | Promise<void>;
}

/**
 * A `Bun.listen` listener behind core's {@link ListenerTransport}.
 *
 * Bun accepts by itself as connections come; each gets its transport in `open` (so its data is
 * queued, bounded, from the first byte) and waits in arrival order for `accept()`.
 *
 * @example
 * ```ts
 * const transport = new BunListenerTransport(options);
 * transport.attach(Bun.listen({ hostname: "127.0.0.1", port: 0, allowHalfOpen: true, socket: transport.handlers }));
 * const stream = await transport.accept();
 * ```
 */
export class BunListenerTransport implements ListenerTransport {
  readonly family: AddressFamily;
  /** Handlers to pass to `Bun.listen`; they feed this transport. */
  readonly handlers;

  #listener: SocketListener<unknown> | undefined;
  #localAddress: SocketAddress;
  readonly #queue = new AcceptQueue<StreamTransport>({ closedError: () => socketClosedError("listener") });
  #closing: Promise<void> | undefined;
  #fd: number | undefined;
  readonly #onClosed: (() => void | Promise<void>) | undefined;

  constructor(options: BunListenerTransportOptions) {
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#onClosed = options.onClosed;
    const { tcpOptions } = options;
    const accepted: BunStreamTransportOptions = { ...options.accepted, serverMode: true };
    this.handlers = streamHandlers((socket: Socket<BunStreamTransport>) => {
      if (this.family === "unix") {
        this.#takeOverUnix(socket, accepted);
        return;
      }
      if (tcpOptions) applyBunTcpOptions(socket, tcpOptions, true);
      this.#queue.push(new BunStreamTransport(socket, accepted));
    });
  }

  /** Takes over the listener that `Bun.listen` returned for {@link handlers}. */
  attach(listener: SocketListener<unknown>, localAddress?: SocketAddress): void {
    this.#listener = listener;
    if (localAddress !== undefined) this.#localAddress = localAddress;
    const fd = (listener as unknown as { fd?: number }).fd;
    this.#fd = typeof fd === "number" && fd >= 0 ? fd : undefined;
  }

  get fd(): number | undefined {
    return this.#fd;
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  /** Gives up once `signal` aborts; a connection that comes later waits for the next call. */
  readonly abortableAccept = true;

  accept(signal?: AbortSignal): Promise<StreamTransport> {
    return this.#queue.shift(signal);
  }

  /** `accept(signal)` without a promise, for serve(): see `ListenerTransport.acceptWith`. */
  acceptWith(sink: AcceptSink, signal?: AbortSignal): StreamTransport | undefined {
    return this.#queue.shiftInto(sink, signal);
  }

  /**
   * Stops listening (Bun releases the fd inside `stop()`, and unlinks a Unix socket file), closes
   * the connections nobody accepted yet; accepted ones stay open.
   */
  /**
   * An accepted Unix connection goes to libc before Bun reads anything from it (Bun reads only
   * after `open` returns): Bun's read-ahead would make the kernel close fds passed over it. The
   * fd is duplicated and Bun's socket terminated, which closes only Bun's copy (no shutdown).
   */
  #takeOverUnix(socket: Socket<BunStreamTransport>, accepted: BunStreamTransportOptions): void {
    const fd = (socket as unknown as { fd?: number }).fd;
    try {
      if (typeof fd !== "number" || fd < 0) throw new Error("Bun gave an accepted Unix connection without an fd");
      this.#queue.push(
        libcStreamFromDuplicate(getBunFfiBinder(), fd, () => socket.terminate(), {
          localAddress: accepted.localAddress ?? "",
          remoteAddress: accepted.remoteAddress ?? "",
        }),
      );
    } catch {
      // This one connection could not be taken over (EMFILE on the copy): dropped, as a failed
      // accept would be; serving goes on.
      socket.terminate();
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Bun stops accepting; what it accepted already stays queued for `accept()`. */
  async stopAccepting(): Promise<void> {
    this.#listener?.stop(false);
    this.#queue.fail(socketClosedError("listener"), { permanent: true });
  }

  async #close(): Promise<void> {
    const unaccepted = this.#queue.close();
    // false: stop() must not close the connections already handed out.
    this.#listener?.stop(false);
    await unaccepted;
    await this.#onClosed?.();
  }
}
