import type { CallOptions } from "../abc/resource.ts";
import type { HandlerContext, Listener, ServeOptions } from "../abc/streams.ts";
import type { AcceptSink, ListenerTransport, StreamTransport } from "../backend/transports.ts";
import { BrokenResourceError, ClosedResourceError } from "../errors.ts";
import { AbortRace, silenced, throwIfAborted } from "../internal/abort.ts";
import { ResourceGuard } from "../resource-guard.ts";
import { SocketAttribute } from "../socket-attributes.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ListenerBase } from "../resource-base.ts";
import { serveConnections } from "./serve.ts";
import { SocketStream } from "./socket-stream.ts";
import { UNIXSocketStream } from "./unix-socket-stream.ts";
import type { SocketLike } from "../adoption/validate.ts";
// Not the adoption code itself: see adopters.ts for why.
import { adopters } from "../adoption/adopters.ts";

/**
 * A listening TCP socket. `accept()` returns one connection; `serve()` runs a handler for every
 * connection (see {@link Listener.serve}). A connection accepted after an aborted `accept()` is
 * kept for the next call, never dropped.
 *
 * @example
 * ```ts
 * const listener = await createTcpListener({ localHost: "127.0.0.1" });
 * const port = listener.extra(SocketAttribute.localPort);
 * const stream = await listener.accept({ signal: AbortSignal.timeout(5_000) });
 * ```
 */
export class SocketListener<S extends SocketStream = SocketStream> extends ListenerBase<S> implements Listener<S> {
  /** @internal */
  protected readonly transport: ListenerTransport;
  readonly #wrap: (transport: StreamTransport) => S;
  readonly #acceptGuard = new ResourceGuard("accepting connections from");
  readonly #acceptRace = new AbortRace();
  #pendingAccept: Promise<StreamTransport> | undefined;
  #closing: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /**
   * Wraps a backend listener transport; `wrap` turns each accepted transport into a stream
   * (defaults to {@link SocketStream}).
   */
  constructor(transport: ListenerTransport, wrap?: (transport: StreamTransport) => S) {
    super();
    this.transport = transport;
    this.#wrap = wrap ?? ((accepted) => new SocketStream(accepted) as S);
  }

  /**
   * Adopts a listening stream socket, or a bound one that is not listening yet (it starts
   * listening): an fd, or the runtime's own server object (Node: `net.Server`). An AF_UNIX socket
   * comes back as a {@link UNIXSocketListener}. Refused with `InvalidSocketError` (`NOT_BOUND`,
   * `CONNECTED`, `TYPE_MISMATCH`, ...), the fd then left open and unchanged.
   *
   * @example
   * ```ts
   * const listener = await SocketListener.fromSocket(3);
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<SocketListener> {
    return (await adopters().listener(socket, false)) as SocketListener;
  }

  /** Waits for the next connection. */
  accept(options?: CallOptions): Promise<S> {
    // Written with one `.then` and settle handlers made once per listener rather than as an
    // async function: serve() accepts once per connection, and each async frame and closure is
    // garbage per connection. The checks and their order are those of the plain version.
    const signal = options?.signal;
    let pending: Promise<StreamTransport>;
    try {
      this.#acceptGuard.enter();
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      if (this.#closing) throw new ClosedResourceError();
      throwIfAborted(signal);
      // A transport that gives up on the signal itself keeps what comes later for the next call:
      // the call is handed the signal, with no race and no result to keep here.
      if (this.transport.abortableAccept === true) pending = this.transport.accept(signal);
      else pending = this.#pendingAccept ??= silenced(this.transport.accept());
    } catch (error) {
      this.#acceptGuard.exit();
      return Promise.reject(error);
    }
    // One accept at a time (the guard): the handlers find the call's signal here.
    this.#acceptSignal = signal;
    if (this.transport.abortableAccept === true) return pending.then(this.#onAccepted, this.#onAcceptFailed);
    return this.#acceptRace.race(pending, signal).then(this.#onAccepted, this.#onAcceptFailed);
  }

  #acceptSignal: AbortSignal | undefined;

  readonly #onAccepted = (accepted: StreamTransport): S => {
    this.#acceptGuard.exit();
    this.#acceptSignal = undefined;
    this.#pendingAccept = undefined;
    return this.#wrap(accepted);
  };

  readonly #onAcceptFailed = (error: unknown): never => {
    this.#acceptGuard.exit();
    const signal = this.#acceptSignal;
    this.#acceptSignal = undefined;
    // An aborted accept leaves the runtime's accept running: its connection goes to the next call.
    if (signal?.aborted && error === signal.reason) throw error;
    this.#pendingAccept = undefined;
    if (this.#closing || this.#stopping) throw new ClosedResourceError();
    throw new BrokenResourceError(`accepting a connection failed: ${String((error as Error)?.message ?? error)}`, {
      cause: error,
    });
  };

  /** Serves every connection with `handler`, concurrently; see {@link Listener.serve}. */
  serve(handler: (stream: S, context: HandlerContext) => void | Promise<void>, options?: ServeOptions<S>): Promise<void> {
    const acceptInto = this.transport.acceptWith !== undefined ? this.#acceptInto : undefined;
    return serveConnections((callOptions) => this.accept(callOptions), handler, options, acceptInto);
  }

  /**
   * `accept()` through the transport's `acceptWith`, for serve(): the same checks, guard and
   * error mapping, but a connection at hand comes back at once and a later one goes to `sink`.
   */
  readonly #acceptInto = (sink: AcceptSink<S>, options: CallOptions): S | undefined => {
    const signal = options.signal;
    this.#acceptGuard.enter();
    try {
      if (this.#closing) throw new ClosedResourceError();
      throwIfAborted(signal);
    } catch (error) {
      this.#acceptGuard.exit();
      throw error;
    }
    this.#acceptSignal = signal;
    this.#acceptSink = sink;
    let accepted: StreamTransport | undefined;
    try {
      accepted = this.transport.acceptWith!(this.#transportSink, signal);
    } catch (error) {
      this.#acceptSink = undefined;
      this.#onAcceptFailed(error);
    }
    if (accepted === undefined) return undefined;
    this.#acceptSink = undefined;
    return this.#onAccepted(accepted);
  };

  /** The sink of the `#acceptInto` call waiting for its connection. */
  #acceptSink: AcceptSink<S> | undefined;

  /** Made once per listener: what the transport calls back for a waiting `#acceptInto`. */
  readonly #transportSink: AcceptSink = {
    resolve: (accepted) => {
      const sink = this.#acceptSink!;
      this.#acceptSink = undefined;
      sink.resolve(this.#onAccepted(accepted));
    },
    reject: (error) => {
      const sink = this.#acceptSink!;
      this.#acceptSink = undefined;
      // Mapped a microtask later, as a rejected accept() would be: a transport rejects inside
      // close(), before aclose() has marked this listener closing, and the error maps to
      // ClosedResourceError only once it has.
      queueMicrotask(() => {
        let mapped: unknown;
        try {
          this.#onAcceptFailed(error);
        } catch (thrown) {
          mapped = thrown;
        }
        sink.reject(mapped);
      });
    },
  };

  /**
   * Stops taking new connections in this process, for handing the socket over: processes that
   * share it (see `sendSocket`, `handOverListener`) go on accepting, and connections this process
   * had already taken from the kernel are still handed out by `accept()` / `serve()` — none is
   * dropped — after which `accept()` rejects with `ClosedResourceError` (so `serve()` ends with it,
   * once its handlers are done). Call `aclose()` afterwards to release the fd. Idempotent.
   *
   * @example
   * ```ts
   * const serving = listener.serve(handler);
   * await listener.stopAccepting();           // a new process accepts from now on
   * await serving.catch((error) => { if (!(error instanceof ClosedResourceError)) throw error; });
   * await listener.aclose();
   * ```
   */
  stopAccepting(): Promise<void> {
    this.#stopping ??= this.transport.stopAccepting !== undefined ? this.transport.stopAccepting() : this.aclose();
    return this.#stopping;
  }

  /** Stops listening and releases the fd before resolving; a pending `accept()` rejects with `ClosedResourceError`. */
  aclose(): Promise<void> {
    if (this.#closing === undefined) {
      const late = this.#pendingAccept;
      this.#acceptRace.release();
      this.#closing = (async () => {
        await this.transport.close().catch(() => {});
        // A connection the runtime accepted while we were closing has no taker: release it too.
        if (late)
          await late.then(
            (orphan) => orphan.close(0),
            () => {},
          );
      })();
    }
    return this.#closing;
  }

  /** The typed attributes it provides; read one with `extra()`. */
  override get extraAttributes(): TypedAttributeMap {
    const family = this.transport.family;
    const map = new Map<never, () => unknown>([
      [SocketAttribute.family as never, () => family],
      [SocketAttribute.localAddress as never, () => this.transport.localAddress()],
    ]);
    if (family !== "unix") {
      map.set(SocketAttribute.localPort as never, () => (this.transport.localAddress() as [string, number])[1]);
    }
    if (this.transport.fd !== undefined) {
      const fd = this.transport.fd;
      map.set(SocketAttribute.fd as never, () => fd);
    }
    return map;
  }
}

/**
 * A listening Unix stream socket; yields {@link UNIXSocketStream}s and never sets TCP options.
 *
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock");
 * await listener.serve(async (stream) => { for await (const chunk of stream) await stream.send(chunk); });
 * ```
 */
export class UNIXSocketListener extends SocketListener<UNIXSocketStream> {
  /** Wraps a backend's listener transport (backends and tests; applications use `createUnixListener` or `fromSocket`). */
  constructor(transport: ListenerTransport) {
    super(transport, (accepted) => new UNIXSocketStream(accepted));
  }

  /**
   * Adopts a listening (or bound) AF_UNIX stream socket; other families are refused with
   * `FAMILY_MISMATCH`. See {@link SocketListener.fromSocket}.
   *
   * @example
   * ```ts
   * const listener = await UNIXSocketListener.fromSocket(3);
   * ```
   */
  static override async fromSocket(socket: SocketLike): Promise<UNIXSocketListener> {
    return (await adopters().listener(socket, true)) as UNIXSocketListener;
  }
}
