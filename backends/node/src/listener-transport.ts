import type { Server, Socket } from "node:net";
import type { AddressFamily, SocketAddress } from "@portio/core";
import { AcceptQueue, type AcceptSink, type ListenerTransport, type StreamTransport } from "@portio/core/backend";
import { closeServer, fdOf, isTransientAcceptError, socketClosedError } from "@portio/node-shared";

/** How a {@link NodeListenerTransport} describes its server and wraps what it accepts. */
export interface NodeListenerTransportOptions {
  family: AddressFamily;
  /** The bound address, read once after `listen()`. */
  localAddress: SocketAddress;
  /** Turns an accepted socket into a transport (sets the family and Unix addresses). */
  wrap(socket: Socket): StreamTransport;
  /** Runs once the listener is closed and its fd released (a Unix listener removes its socket file). */
  onClosed?: () => void | Promise<void>;
}

/**
 * A listening `net.Server` behind core's {@link ListenerTransport}.
 *
 * Node accepts connections by itself as they come; those that arrive while nobody waits in
 * `accept()` are wrapped at once (so their errors are caught and they stay paused) and queued in
 * arrival order. The server must have been created with `allowHalfOpen: true` and
 * `pauseOnConnect: true`.
 *
 * @example
 * ```ts
 * const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
 * server.listen({ host: "127.0.0.1", port: 0 }, async () => {
 *   const { port } = server.address() as net.AddressInfo;
 *   const listener = new NodeListenerTransport(server, {
 *     family: "inet",
 *     localAddress: ["127.0.0.1", port],
 *     wrap: (socket) => new NetStreamTransport(socket, { family: "inet" }),
 *   });
 *   const stream = await listener.accept();
 * });
 * ```
 */
export class NodeListenerTransport implements ListenerTransport {
  readonly family: AddressFamily;
  /** The underlying Node server, for callers that need Node-specific features. */
  readonly server: Server;

  readonly #localAddress: SocketAddress;
  #closing: Promise<void> | undefined;
  readonly #onClosed: (() => void | Promise<void>) | undefined;
  readonly #queue = new AcceptQueue<StreamTransport>({ closedError: () => socketClosedError("listener") });

  constructor(server: Server, options: NodeListenerTransportOptions) {
    this.server = server;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#onClosed = options.onClosed;
    const wrap = options.wrap;
    // Wrapped at once, even when nobody waits, so that their errors are caught and they stay paused.
    server.on("connection", (socket: Socket) => {
      let transport: StreamTransport;
      try {
        transport = wrap(socket);
      } catch {
        // This one connection could not be taken over (EMFILE on the fd copy): it is dropped, as
        // a failed accept would be, and serving goes on.
        socket.destroy();
        return;
      }
      this.#queue.push(transport);
    });
    // After listen() succeeded, 'error' can only come from accept().
    // Failures of one incoming connection are skipped, as the contract asks (libuv already skips
    // ECONNABORTED).
    server.on("error", (error: Error) => {
      if (!isTransientAcceptError(error)) this.#queue.fail(error);
    });
  }

  /** The listening socket's fd while it is open. */
  get fd(): number | undefined {
    return fdOf(this.server);
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
   * Stops listening, closes the connections that were never accepted and resolves once all their
   * fds are released. Connections already handed out by `accept()` stay open.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#queue.close(), this.#stopServer()]).then(() => this.#onClosed?.());
    return this.#closing;
  }

  /** Node stops accepting; what it accepted already stays queued for `accept()`. */
  async stopAccepting(): Promise<void> {
    await this.#stopServer();
    this.#queue.fail(socketClosedError("listener"), { permanent: true });
  }

  #serverStopped: Promise<void> | undefined;
  #stopServer(): Promise<void> {
    return (this.#serverStopped ??= closeServer(this.server));
  }
}
