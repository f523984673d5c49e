import type { Server, Socket } from "node:net";
import type { AddressFamily, ListenerTransport, SocketAddress } from "@portio/core";
import {
  closeServer,
  fdOf,
  isTransientAcceptError,
  rejectHandled,
  socketClosedError,
  waiter,
  type NetStreamTransport,
  type Waiter,
} from "@portio/node-compat";

/** How a {@link NodeListenerTransport} describes its server and wraps what it accepts. */
export interface NodeListenerTransportOptions {
  family: AddressFamily;
  /** The bound address, read once after `listen()`. */
  localAddress: SocketAddress;
  /** Turns an accepted socket into a transport (sets the family and Unix addresses). */
  wrap(socket: Socket): NetStreamTransport;
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
  readonly #wrap: (socket: Socket) => NetStreamTransport;
  readonly #queue: NetStreamTransport[] = [];
  #acceptor: Waiter<NetStreamTransport> | undefined;
  /** An accept error that happened while nobody was waiting; the next accept() gets it. */
  #error: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(server: Server, options: NodeListenerTransportOptions) {
    this.server = server;
    this.family = options.family;
    this.#localAddress = options.localAddress;
    this.#wrap = options.wrap;
    server.on("connection", (socket: Socket) => {
      const transport = this.#wrap(socket);
      if (this.#closing !== undefined) {
        void transport.close(0);
        return;
      }
      const acceptor = this.#acceptor;
      if (acceptor === undefined) {
        this.#queue.push(transport);
      } else {
        this.#acceptor = undefined;
        acceptor.resolve(transport);
      }
    });
    // After listen() succeeded, 'error' can only come from accept().
    // Failures of one incoming connection are skipped, as the contract asks (libuv already skips
    // ECONNABORTED).
    server.on("error", (error: Error) => {
      if (isTransientAcceptError(error)) return;
      const acceptor = this.#acceptor;
      if (acceptor === undefined) {
        this.#error ??= error;
      } else {
        this.#acceptor = undefined;
        rejectHandled(acceptor, error);
      }
    });
  }

  /** The listening socket's fd while it is open. */
  get fd(): number | undefined {
    return fdOf(this.server);
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  accept(): Promise<NetStreamTransport> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closing !== undefined) return Promise.reject(socketClosedError("listener"));
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      return Promise.reject(error);
    }
    this.#acceptor = waiter();
    return this.#acceptor.promise;
  }

  /**
   * Stops listening, closes the connections that were never accepted and resolves once all their
   * fds are released. Connections already handed out by `accept()` stay open.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const acceptor = this.#acceptor;
    this.#acceptor = undefined;
    if (acceptor !== undefined) rejectHandled(acceptor, socketClosedError("listener"));
    const unaccepted = this.#queue.splice(0);
    await Promise.all([closeServer(this.server), ...unaccepted.map((transport) => transport.close(0))]);
  }
}
