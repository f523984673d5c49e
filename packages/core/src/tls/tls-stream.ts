import type { CallOptions } from "../abc/resource.ts";
import type { AnyByteStream, ByteSendStream, ByteStream } from "../abc/streams.ts";
import type { AddressFamily, SocketAddress } from "../addresses.ts";
import type { ReadSink, StreamTransport } from "../backend/transports.ts";
import { getBackend } from "../backend/registry.ts";
import { BrokenResourceError, ClosedResourceError, TypedAttributeLookupError, UnsupportedError } from "../errors.ts";
import { SocketAttribute } from "../socket-attributes.ts";
import { checkCallOptions, checkSignal, throwIfAborted } from "../internal/abort.ts";
import { checkByteStream } from "../internal/validate.ts";
import { SocketStream, type CloseOptions } from "../sockets/socket-stream.ts";
import { BufferedByteStream, innerIfEmpty, readerHoldingDataOf } from "../streams/buffered.ts";
import { StapledByteStream } from "../streams/stapled.ts";
import { mergeAttributes, type TypedAttributeMap } from "../typed-attributes.ts";
import { ReceiveStreamBase } from "../resource-base.ts";
import { TLSAttribute } from "./tls-attributes.ts";
import { checkPem, raggedEofError, tlsSessionError } from "./tls-input-checks.ts";
import type { TLSOptions } from "./tls-options.ts";
import type { BackendTLSOptions, TLSTransport } from "./tls-transport.ts";

/** Options of {@link TLSStream.wrap}: {@link TLSOptions} plus a signal that bounds the handshake. */
export interface TLSWrapOptions extends TLSOptions {
  /** Aborts the handshake (the wrapped stream is then closed, as after any failed handshake). */
  signal?: AbortSignal;
}

/**
 * A TLS session over any portio byte stream: a TCP or Unix socket stream (the backend then uses
 * the runtime's native TLS on the socket where it can), or anything else — a stapled stream, a
 * memory pair, a buffered stream.
 *
 * Behaves like every portio byte stream (a cancelled receive keeps its bytes, concurrent calls
 * are a `BusyResourceError`, `aclose()` wakes pending calls), because receiving and sending run
 * on the same machinery as {@link SocketStream}. It passes the wrapped stream's attributes through
 * and adds {@link TLSAttribute}s.
 *
 * End of stream follows AnyIO's `standard_compatible` (see {@link TLSOptions.standardCompatible}).
 * `sendEof()` is not supported (see there).
 *
 * @example
 * ```ts
 * const tcp = await connectTcp("example.com", 443);
 * const tls = await TLSStream.wrap(tcp, { hostname: "example.com" });
 * await tls.send(new TextEncoder().encode("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"));
 * const reply = await tls.receive();
 * await tls.aclose(); // closes tcp too
 * ```
 */
export class TLSStream extends ReceiveStreamBase<Uint8Array> implements ByteStream {
  /** The stream the TLS session runs over. */
  readonly transportStream: AnyByteStream;
  readonly #session: TLSTransport;
  readonly #serverSide: boolean;
  readonly #standardCompatible: boolean;
  readonly #io: SocketStream;
  readonly #adapter: SessionTransport;
  #unwrapping: Promise<[AnyByteStream, Uint8Array]> | undefined;

  private constructor(transportStream: AnyByteStream, session: TLSTransport, serverSide: boolean, standardCompatible: boolean) {
    super();
    this.transportStream = transportStream;
    this.#session = session;
    this.#serverSide = serverSide;
    this.#standardCompatible = standardCompatible;
    this.#adapter = new SessionTransport(session, transportStream, standardCompatible, serverSide);
    this.#io = new SocketStream(this.#adapter);
  }

  /**
   * Runs the TLS handshake over `stream` and resolves with the TLS stream, which owns `stream`
   * from then on. If the handshake fails (untrusted certificate, name mismatch, no common
   * protocol, the peer went away), rejects with a `BrokenResourceError` that says what failed and
   * keeps the runtime's error as `cause`; `stream` is closed then, so that the peer learns of the
   * failure at once even where the runtime sends no TLS alert (Node checks certificates after its
   * own part of the handshake and just drops the connection).
   *
   * @throws TypeError for a client without `hostname` while the hostname check is on
   * @example
   * ```ts
   * const server = await TLSStream.wrap(accepted, { serverSide: true, cert, key, alpnProtocols: ["h2"] });
   * const client = await TLSStream.wrap(connected, { hostname: "localhost", ca });
   * ```
   */
  static wrap(stream: AnyByteStream, options: TLSWrapOptions = {}): Promise<TLSStream> {
    return TLSStream.#wrap(stream, options, true);
  }

  /**
   * {@link wrap} for a connection that is TLS from its first byte (`connectTcp({ tls })`,
   * `TLSListener`, adoption with `tls`): the backend may run the session natively on the socket,
   * which is faster but may not `unwrap()`.
   * @internal
   */
  static wrapConnection(stream: AnyByteStream, options: TLSWrapOptions): Promise<TLSStream> {
    return TLSStream.#wrap(stream, options, false);
  }

  static async #wrap(stream: AnyByteStream, options: TLSWrapOptions, unwrappable: boolean): Promise<TLSStream> {
    checkByteStream(stream, "TLSStream.wrap()'s stream");
    checkCallOptions(options, "TLSStream.wrap()'s options");
    const backendOptions = resolveTlsOptions(options);
    backendOptions.unwrappable = unwrappable;
    const backend = getBackend();
    if (backend.wrapTls === undefined) {
      throw new UnsupportedError(`the ${backend.name} backend does not implement TLS (AsyncBackend.wrapTls)`);
    }
    throwIfAborted(options.signal);
    stream = withBufferedBytes(stream);
    let session: TLSTransport;
    try {
      session = await backend.wrapTls(stream, backendOptions, nativeTransportOf(stream));
    } catch (error) {
      await stream.aclose();
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      if (error instanceof BrokenResourceError || error instanceof TypeError || error instanceof UnsupportedError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new BrokenResourceError(`TLS handshake failed: ${detail}`, { cause: error });
    }
    return new TLSStream(stream, session, backendOptions.serverSide, backendOptions.standardCompatible);
  }

  /** Receives 1 to `maxBytes` bytes of plaintext; see {@link ByteStream.receive}. */
  receive(maxBytes?: number, options?: CallOptions): Promise<Uint8Array> {
    return this.#io.receive(maxBytes, options);
  }

  /** Encrypts and sends all of `data`; an array of buffers goes out as one write (see {@link SocketStream.send}). */
  send(data: Uint8Array | readonly Uint8Array[], options?: CallOptions): Promise<void> {
    return this.#io.send(data, options);
  }

  /**
   * Not supported: always rejects with `UnsupportedError`. TLS has no half-close before TLS 1.3,
   * and even with TLS 1.3 a close_notify ends the session for most peers, which then stop
   * sending too — it would not do what `sendEof()` promises. End the session with `aclose()`,
   * or `unwrap()` and half-close the plaintext stream. (AnyIO raises `NotImplementedError`.)
   */
  async sendEof(): Promise<void> {
    const version = this.#session.tlsVersion;
    const match = /^TLSv(\d+)(?:\.(\d+))?/.exec(version);
    const major = Number(match?.[1] ?? 0);
    const minor = Number(match?.[2] ?? 0);
    if (major < 1 || (major === 1 && minor < 3)) {
      throw new UnsupportedError(`sendEof() requires at least TLSv1.3; this session uses ${version}. Use aclose() instead`);
    }
    throw new UnsupportedError(
      "sendEof() is not supported on TLS streams: a TLS close_notify ends the whole session for most peers, " +
        "so it cannot half-close the way sendEof() promises. Use aclose(), or unwrap() and call sendEof() on the plaintext stream",
    );
  }

  /**
   * Ends the TLS session but keeps the connection: sends close_notify, waits for the peer's, and
   * resolves with the wrapped stream and any bytes that already arrived after the peer's
   * close_notify. This TLS stream is closed afterwards (closing it does not close the returned
   * stream). Both sides must unwrap, as with STARTTLS-style protocols that drop back to plaintext.
   *
   * @example
   * ```ts
   * const [plain, leftover] = await tls.unwrap();
   * ```
   */
  unwrap(options?: CallOptions): Promise<[AnyByteStream, Uint8Array]> {
    try {
      checkSignal(options?.signal, "options.signal");
    } catch (error) {
      return Promise.reject(error);
    }
    this.#unwrapping ??= (async () => {
      if (this.#adapter.closed) throw new ClosedResourceError();
      const leftover = await this.#session.unwrap(options?.signal);
      this.#adapter.unwrapped = true;
      await this.#io.aclose();
      return [this.transportStream, leftover] as [AnyByteStream, Uint8Array];
    })();
    return this.#unwrapping;
  }

  /**
   * Closes the TLS session and the wrapped stream. With `standardCompatible` the peer gets a
   * close_notify first; bytes already accepted by `send` are flushed either way (bounded, as for
   * sockets; `flushTimeoutMs` bounds it, see {@link CloseOptions}). Does not wait for the peer's
   * close_notify. Idempotent.
   */
  aclose(options?: CloseOptions): Promise<void> {
    return this.#io.aclose(options);
  }

  /** The wrapped stream's attributes, then the TLS ones. */
  override get extraAttributes(): TypedAttributeMap {
    const session = this.#session;
    return mergeAttributes(this.transportStream.extraAttributes, [
      [TLSAttribute.alpnProtocol, () => session.alpnProtocol],
      [TLSAttribute.peerCertificate, () => session.peerCertificate()],
      [TLSAttribute.cipher, () => session.cipher],
      [TLSAttribute.tlsVersion, () => session.tlsVersion],
      [TLSAttribute.serverSide, () => this.#serverSide],
      [TLSAttribute.standardCompatible, () => this.#standardCompatible],
    ]);
  }
}

/** Decides every default of {@link TLSOptions}, as AnyIO does, and checks the combination. */
export function resolveTlsOptions(options: TLSWrapOptions): BackendTLSOptions {
  const serverSide = options.serverSide ?? !options.hostname;
  checkPem(options.ca, "ca", "certificate");
  checkPem(options.cert, "cert", "certificate");
  checkPem(options.key, "key", "private key");
  const skipVerify = options.insecureSkipVerify === true;
  const verifyHostname = !serverSide && !skipVerify && options.insecureSkipHostnameCheck !== true;
  if (serverSide && (options.cert === undefined || options.key === undefined)) {
    if (options.serverSide === undefined && options.cert === undefined && options.key === undefined) {
      // No hostname made this a server by default; most likely a client was meant.
      throw new TypeError(
        "a TLS client needs hostname (the name to check the server's certificate against), or serverSide: false; " +
          "a TLS server needs serverSide: true with cert and key",
      );
    }
    throw new TypeError("a TLS server needs cert and key");
  }
  if (!serverSide && verifyHostname && !options.hostname) {
    throw new TypeError(
      "a TLS client needs hostname to check the server's certificate against (or insecureSkipHostnameCheck: true)",
    );
  }
  if (options.alpnProtocols !== undefined) {
    for (const protocol of options.alpnProtocols) {
      if (typeof protocol !== "string" || protocol.length === 0 || protocol.length > 255) {
        throw new TypeError(`invalid ALPN protocol name ${JSON.stringify(protocol)}`);
      }
    }
  }
  const resolved: BackendTLSOptions = {
    serverSide,
    verifyCertificate: serverSide ? options.requestClientCertificate === true && !skipVerify : !skipVerify,
    verifyHostname,
    requestClientCertificate: serverSide && options.requestClientCertificate === true,
    standardCompatible: options.standardCompatible ?? true,
    unwrappable: true,
  };
  if (options.hostname) resolved.hostname = options.hostname;
  if (options.ca !== undefined) resolved.ca = options.ca;
  if (options.cert !== undefined) resolved.cert = options.cert;
  if (options.key !== undefined) resolved.key = options.key;
  if (options.alpnProtocols !== undefined) resolved.alpnProtocols = [...options.alpnProtocols];
  if (options.signal !== undefined) resolved.signal = options.signal;
  return resolved;
}

/**
 * STARTTLS after reading through a buffered reader, then wrapping the stream under it: the reader
 * may already hold the first bytes of the server's handshake, which the stream no longer has, so
 * the session reads through the reader (sending goes to the stream either way).
 */
function withBufferedBytes(stream: AnyByteStream): AnyByteStream {
  const reader = readerHoldingDataOf(stream);
  if (reader === undefined) return stream;
  if (reader instanceof BufferedByteStream) return reader;
  return new StapledByteStream(stream as ByteSendStream, reader);
}

/**
 * The runtime transport under a plain {@link SocketStream}, so that the backend can put its
 * native TLS directly on the socket. Anything else (wrappers, subclasses with their own
 * behaviour) goes through the portable path.
 */
function nativeTransportOf(stream: AnyByteStream): StreamTransport | undefined {
  // A buffered reader that holds nothing (STARTTLS after reading the answer through it) hides
  // nothing from the socket under it: the session may run there natively.
  stream = (innerIfEmpty(stream) as AnyByteStream | undefined) ?? stream;
  if (!(stream instanceof SocketStream)) return undefined;
  // `transport` is protected: core hands it to its own backend and nowhere else.
  return (stream as unknown as { transport: StreamTransport }).transport;
}

/**
 * The TLS session as the transport of the {@link SocketStream} that TLSStream receives and
 * sends through; applies the ragged-EOF policy and closes the wrapped stream after the session.
 */
class SessionTransport implements StreamTransport {
  unwrapped = false;
  closed = false;

  constructor(
    readonly session: TLSTransport,
    readonly inner: AnyByteStream,
    readonly standardCompatible: boolean,
    readonly serverSide = false,
  ) {
    // Offered only over a session that has it: core's receive checks for the method itself.
    if (session.readWith !== undefined) this.readWith = this.#readWithSession;
  }

  /** Whether any plaintext arrived: a ragged EOF before that is explained differently. */
  receivedData = false;

  /**
   * {@link read} without its async frame when the session reads by events (node:tls, Bun): a
   * bulk download then settles each receive from the session's own event, three microtasks and
   * two promises per chunk fewer than awaiting `session.read()`.
   */
  readWith?: (reader: ReadSink) => void;
  /** The receive waiting on {@link readWith} (one at a time, as core guarantees). */
  #reader: ReadSink | undefined;
  /** What the session delivers to: {@link read}'s policy applied for {@link #reader}. Made once per stream. */
  readonly #sessionSink: ReadSink = {
    resolve: (chunk) => {
      const reader = this.#reader!;
      this.#reader = undefined;
      if (chunk === null) {
        if (this.standardCompatible && !this.session.closeNotifyReceived) reader.reject(raggedEofError(this));
        else reader.resolve(null);
        return;
      }
      this.receivedData = true;
      reader.resolve(chunk);
    },
    reject: (error) => {
      const reader = this.#reader!;
      this.#reader = undefined;
      reader.reject(tlsSessionError(error, this));
    },
  };

  #readWithSession(reader: ReadSink): void {
    this.#reader = reader;
    this.session.readWith!(this.#sessionSink);
  }

  get family(): AddressFamily {
    return this.inner.extra(SocketAttribute.family, this.session.family);
  }

  get fd(): number | undefined {
    return undefined;
  }

  localAddress(): SocketAddress {
    throw new TypedAttributeLookupError("a TLS stream has the addresses of the stream it wraps");
  }

  remoteAddress(): SocketAddress {
    throw new TypedAttributeLookupError("a TLS stream has the addresses of the stream it wraps");
  }

  async read(): Promise<Uint8Array | null> {
    let chunk: Uint8Array | null;
    try {
      chunk = await this.session.read();
    } catch (error) {
      throw tlsSessionError(error, this);
    }
    if (chunk === null && this.standardCompatible && !this.session.closeNotifyReceived) {
      throw raggedEofError(this);
    }
    if (chunk !== null) this.receivedData = true;
    return chunk;
  }

  write(data: Uint8Array): Promise<void> {
    return this.session.write(data);
  }

  shutdownWrite(): Promise<void> {
    return Promise.reject(new UnsupportedError("TLS streams cannot half-close"));
  }

  async close(flushTimeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.unwrapped) return;
    try {
      await this.session.close(flushTimeoutMs);
    } finally {
      await this.inner.aclose();
    }
  }
}
