import type { AsyncResource, CallOptions } from "../abc/resource.ts";
import type { AnyByteStream, HandlerContext, Listener, ServeOptions } from "../abc/streams.ts";
import { BrokenResourceError } from "../errors.ts";
import { throwIfAborted } from "../internal/abort.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ListenerBase } from "../resource-base.ts";
import type { TLSOptions } from "./tls-options.ts";
import { TLSStream, resolveTlsOptions } from "./tls-stream.ts";

/** Options of {@link TLSListener} besides the TLS options. */
export interface TLSListenerOptions {
  /** Milliseconds a client gets to complete the handshake (AnyIO: 30 s). Default 30 000. */
  handshakeTimeout?: number;
}

/** A listener whose streams can be accepted one at a time (SocketListener and the like). */
interface Accepting<T> {
  accept(options?: CallOptions): Promise<T>;
}

/**
 * Serves TLS over any listener of byte streams: every accepted stream goes through the server
 * side of the handshake before the handler sees it. A handshake that fails or takes longer than
 * `handshakeTimeout` closes that one connection and is reported to
 * {@link TLSListener.handleHandshakeError}; the listener keeps serving.
 *
 * @example
 * ```ts
 * const tcp = await createTcpListener({ localHost: "127.0.0.1", localPort: 8443 });
 * const listener = new TLSListener(tcp, { cert, key, alpnProtocols: ["http/1.1"] });
 * await listener.serve(async (stream) => {
 *   for await (const chunk of stream) await stream.send(chunk);
 * }, { signal });
 * ```
 */
export class TLSListener<T extends AnyByteStream = AnyByteStream> extends ListenerBase<TLSStream> implements Listener<TLSStream> {
  /** The plain listener underneath. */
  readonly listener: Listener<T>;
  /** The TLS options every accepted connection's handshake uses. */
  readonly tlsOptions: TLSOptions;
  /** Milliseconds a handshake may take before the connection is dropped. */
  readonly handshakeTimeout: number;

  /**
   * Wraps `listener`: each accepted stream is handed out after its TLS handshake.
   *
   * @param options TLS server options; `serverSide` is implied
   * @throws TypeError without `cert` and `key`
   */
  constructor(listener: Listener<T>, options: TLSOptions, { handshakeTimeout = 30_000 }: TLSListenerOptions = {}) {
    super();
    if (options.cert === undefined || options.key === undefined) throw new TypeError("a TLS listener needs cert and key");
    resolveTlsOptions({ ...options, serverSide: true }); // refuses bad PEM now, not at every handshake
    if (!(handshakeTimeout > 0)) throw new RangeError("handshakeTimeout must be a positive number of milliseconds");
    this.listener = listener;
    this.tlsOptions = { ...options, serverSide: true };
    this.handshakeTimeout = handshakeTimeout;
  }

  /**
   * Called when a client's handshake fails or times out, with a `BrokenResourceError` whose
   * `cause` is the runtime's error (or the timeout). Override it to log differently; the default
   * closes the stream and reports the error with `console.error`. Whatever it throws is ignored,
   * so one bad client can never stop the listener.
   */
  async handleHandshakeError(error: unknown, stream: AnyByteStream): Promise<void> {
    await stream.aclose();
    console.error("portio: TLS handshake failed:", error);
  }

  /**
   * Serves every connection that completes the handshake with `handler`; see
   * {@link Listener.serve}. Handshakes run concurrently, so a slow client does not hold others up.
   */
  serve(
    handler: (stream: TLSStream, context: HandlerContext) => void | Promise<void>,
    options: ServeOptions<TLSStream> = {},
  ): Promise<void> {
    const secured = new WeakMap<object, TLSStream>();
    const onError = options.onError;
    return this.listener.serve(
      async (stream, context) => {
        const tls = await this.#handshake(stream, context.signal);
        if (tls === undefined) return;
        secured.set(stream, tls);
        try {
          await handler(tls, context);
        } finally {
          await tls.aclose();
        }
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.shutdownGraceMs !== undefined ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
        ...(onError ? { onError: (error: unknown, stream: T) => onError(error, secured.get(stream) as TLSStream) } : {}),
      },
    );
  }

  /**
   * Accepts the next client that completes the handshake (clients that fail it are reported to
   * {@link handleHandshakeError} and skipped). Only for listeners that have `accept()`.
   *
   * @throws TypeError if the wrapped listener has no `accept()`
   */
  async accept(options?: CallOptions): Promise<TLSStream> {
    const accepting = this.listener as unknown as Partial<Accepting<T>>;
    if (typeof accepting.accept !== "function") throw new TypeError("the wrapped listener has no accept(); use serve()");
    for (;;) {
      const stream = await accepting.accept(options);
      const tls = await this.#handshake(stream, options?.signal);
      if (tls !== undefined) return tls;
      throwIfAborted(options?.signal);
    }
  }

  /** Closes the wrapped listener. */
  aclose(): Promise<void> {
    return this.listener.aclose();
  }

  /** The wrapped listener's attributes. */
  override get extraAttributes(): TypedAttributeMap {
    return this.listener.extraAttributes;
  }

  /** The server handshake under the timeout; `undefined` after a failure has been handled. */
  async #handshake(stream: T, outer: AbortSignal | undefined): Promise<TLSStream | undefined> {
    const timeout = AbortSignal.timeout(this.handshakeTimeout);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    try {
      return await TLSStream.wrapConnection(stream, { ...this.tlsOptions, signal });
    } catch (error) {
      if (outer?.aborted) {
        // Serving stopped: not the client's fault, nothing to report.
        await stream.aclose();
        return undefined;
      }
      const failure = timeout.aborted
        ? new BrokenResourceError(`the TLS handshake did not complete within ${this.handshakeTimeout} ms`, { cause: error })
        : error instanceof BrokenResourceError
          ? error
          : new BrokenResourceError(`TLS handshake failed: ${String((error as Error)?.message ?? error)}`, { cause: error });
      try {
        await this.handleHandshakeError(failure, stream);
      } catch {
        // A failing error handler must not stop the listener.
      } finally {
        await (stream as AsyncResource).aclose();
      }
      return undefined;
    }
  }
}
