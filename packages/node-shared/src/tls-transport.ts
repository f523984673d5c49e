import type { TLSSocket } from "node:tls";
import { UnsupportedError, type AddressFamily, type SocketAddress, type TLSPeerCertificate } from "@portio/core";
import type { ReadSink, TLSTransport } from "@portio/core/backend";
import { NetStreamTransport, type ReadThrottle } from "./stream-transport.ts";
import { DirectReads } from "./direct-reads.ts";
import type { PortioDuplex } from "./tls-duplex.ts";
import { cipherName, negotiatedAlpn, peerCertificate } from "./tls-options.ts";

/** How a {@link NodeTLSTransport} was set up. */
export interface NodeTlsTransportOptions {
  /** The connection's address family. */
  family: AddressFamily;
  /** The backend's name, for the errors that say what it cannot do ("node", "deno", ...). */
  backend: string;
  /** The pump under the TLS socket on the portable path; absent on the native-socket fast path. */
  pump?: PortioDuplex;
  /**
   * On the native-socket path: tells, when the TLS socket ends, whether the transport ended
   * first (see `watchNativeTlsEnd`). Without it (and without a pump) the end is "unknown".
   */
  transportEndedFirst?: () => boolean;
  /** Send close_notify on close. */
  standardCompatible: boolean;
}

/** Timer delays above this overflow to 1 ms in Node. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;
/** The most plaintext one TLS record carries (RFC 8446 §5.1), thus one TLSWrap read. */
const TLS_RECORD_PLAINTEXT = 16 * 1024;
/**
 * Plaintext queued before the pump is held back: a few of the reader's 64 KiB receives, so that
 * a reader keeping up rarely stops the pump (each stop and restart is an event-loop step).
 */
const PUMPED_QUEUE_LIMIT = 256 * 1024;

/**
 * A handshaken `node:tls` `TLSSocket` as core's {@link TLSTransport}. Reading and writing are
 * {@link NetStreamTransport}'s (a TLSSocket is a net.Socket), so flow control and error
 * handling are the same as for plain sockets.
 *
 * How the end of the TLS stream is classified: Node emits the same `'end'` for the peer's
 * close_notify and for a bare end of the transport. On the portable path the pump knows which
 * came first (see {@link PortioDuplex}); on Node's native-socket path the TCP handle's state
 * tells (see `watchNativeTlsEnd`); the moment of the end is when Node pushes `null` into the
 * socket, which is observed here.
 *
 * @example
 * ```ts
 * const transport = new NodeTLSTransport(secureSocket, { family: "inet", backend: "node", pump, standardCompatible: true });
 * ```
 */
export class NodeTLSTransport implements TLSTransport {
  readonly family: AddressFamily;
  /** The node:tls socket running the session. */
  readonly socket: TLSSocket;
  readonly #plain: NetStreamTransport;
  readonly #pump: PortioDuplex | undefined;
  readonly #standardCompatible: boolean;
  readonly #backend: string;
  #end: "close_notify" | "ragged" | "unknown" | undefined;
  /** The portio stream refused a write after the peer's close_notify; every later write fails with it. */
  #writeFailure: Error | undefined;
  #closing: Promise<void> | undefined;
  #markEnded!: () => void;
  /** Resolves when the TLS stream has ended (close_notify or the transport's end), read or not. */
  readonly ended: Promise<void> = new Promise<void>((resolve) => {
    this.#markEnded = resolve;
  });

  /** Wraps `socket` after its handshake; the transport owns it from now on. */
  constructor(socket: TLSSocket, options: NodeTlsTransportOptions) {
    this.socket = socket;
    this.family = options.family;
    this.#pump = options.pump;
    this.#standardCompatible = options.standardCompatible;
    this.#backend = options.backend;
    const pump = this.#pump;
    const transportEndedFirst = options.transportEndedFirst ?? (pump === undefined ? undefined : () => pump.rawEofDelivered);
    // Node ends the socket's readable side with push(null), from the same call that processed
    // the close_notify record or the transport's end.
    const push = socket.push;
    socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk === null && this.#end === undefined) {
        this.#end = transportEndedFirst === undefined ? "unknown" : transportEndedFirst() ? "ragged" : "close_notify";
        this.#markEnded();
      }
      return push.call(socket, chunk, encoding);
    };
    /** The plaintext queue is full (see `throttle` below). */
    let queueFull = false;
    if (pump !== undefined) {
      pump.tlsEnded = () => this.#end !== undefined;
      pump.onRawError = (error, writing) => {
        // A peer that closed after its close_notify refuses what the TLS engine still sends (Bun's
        // answers a close_notify with its own): the plaintext that arrived, and the clean end
        // after it, are still read; only writing fails from now on.
        if (writing && this.#end === "close_notify") {
          this.#writeFailure ??= error;
          return;
        }
        socket.destroy(error);
      };
      // Full: the plaintext transport's queue is full (it holds the pump back instead of pausing
      // the socket, see `throttle` below), something else paused the socket, or the socket's own
      // buffer reached the high-water mark. A paused socket must hold feeding back on Deno, whose
      // node:tls stops delivering plaintext while paused (pause() is a readStop there) and keeps
      // what it decrypts meanwhile, close_notify included, for resume(); resume() hands that back
      // before the socket flows again, and once the held plaintext fills the socket it drops the
      // close_notify behind it (Deno 2.9, TLSWrap read_start): the TLS stream would never end.
      pump.tlsBackpressured = () =>
        queueFull || socket.readableFlowing === false || socket.readableLength >= socket.readableHighWaterMark;
      // The socket asks for more plaintext once its reader has drained it below the high-water
      // mark, and flows again once the plaintext transport resumes it.
      const read = socket._read;
      socket._read = (size: number): void => {
        read.call(socket, size);
        pump.tlsWantsMore();
      };
      socket.on("resume", () => pump.tlsWantsMore());
    }
    // On the pump's path a full plaintext queue holds the pump back rather than pausing the TLS
    // socket: the engine makes plaintext only from what it is fed, so that bounds the queue just
    // as well (by the limit plus one feed), without a pause and resume of the TLS socket (on Bun a
    // hold and replay of its output) every other 64 KiB chunk of a bulk download, as before.
    const throttle: ReadThrottle | undefined =
      pump === undefined
        ? undefined
        : {
            pause: () => {
              queueFull = true;
            },
            resume: () => {
              queueFull = false;
              pump.tlsWantsMore();
            },
          };
    this.#plain = new NetStreamTransport(socket, {
      family: options.family,
      localAddress: "",
      remoteAddress: "",
      ...(throttle === undefined ? {} : { throttle, queueLimit: PUMPED_QUEUE_LIMIT }),
      // Natively on a socket, the plaintext comes straight from TLSWrap, one record (at most
      // 16 KiB) per read; the pump's path relies on the socket's Readable state, so keeps 'data'.
      directReads: pump === undefined && DirectReads.onto(socket, TLS_RECORD_PLAINTEXT),
    });
  }

  get fd(): number | undefined {
    return undefined;
  }

  localAddress(): SocketAddress {
    return this.#plain.localAddress();
  }

  remoteAddress(): SocketAddress {
    return this.#plain.remoteAddress();
  }

  get alpnProtocol(): string | null {
    return negotiatedAlpn(this.socket);
  }

  get cipher(): string {
    return cipherName(this.socket);
  }

  get tlsVersion(): string {
    return this.socket.getProtocol() ?? "unknown";
  }

  peerCertificate(): TLSPeerCertificate | null {
    return peerCertificate(this.socket);
  }

  get closeNotifyReceived(): boolean {
    return this.#end === "close_notify";
  }

  read(): Promise<Uint8Array | null> {
    return this.#plain.read();
  }

  readWith(reader: ReadSink): void {
    this.#plain.readWith(reader);
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#writeFailure !== undefined) return Promise.reject(this.#writeFailure);
    const written = this.#plain.write(data);
    const pump = this.#pump;
    // The TLS socket may take the bytes while the pump is still full (Bun's does, always): the
    // write is done only once the pump has room again, so that backpressure reaches the sender.
    if (pump === undefined || !pump.writableNeedDrain) return written;
    return written.then(() => pump.drained());
  }

  shutdownWrite(): Promise<void> {
    return Promise.reject(new UnsupportedError(`the ${this.#backend} backend's TLS sessions cannot half-close`));
  }

  close(flushTimeoutMs: number): Promise<void> {
    this.#closing ??= this.#close(flushTimeoutMs);
    return this.#closing;
  }

  async unwrap(signal?: AbortSignal): Promise<Uint8Array> {
    const pump = this.#pump;
    if (pump === undefined) {
      throw new UnsupportedError(
        `the ${this.#backend} backend cannot unwrap a TLS session that runs natively on the socket (a connection made ` +
          "TLS by connectTcp({ tls }), TLSListener or adoption, or standardCompatible: false): Node has no way to hand " +
          "the socket back. Connect plain and use TLSStream.wrap() with standardCompatible: true, which runs TLS over " +
          "the portio stream and can unwrap",
      );
    }
    signal?.throwIfAborted();
    const socket = this.socket;
    // Our close_notify: the pump's _final keeps the portio stream open.
    await this.#waitFor(
      () =>
        new Promise<void>((resolve, reject) => {
          const onFinish = (): void => {
            socket.off("error", onError);
            resolve();
          };
          const onError = (error: Error): void => {
            socket.off("finish", onFinish);
            reject(error);
          };
          socket.once("finish", onFinish);
          socket.once("error", onError);
          socket.end();
        }),
      signal,
    );
    await this.#waitFor(() => pump.flushed(), signal);
    // The peer's close_notify; what it sent before it is dropped, as OpenSSL's SSL_shutdown does.
    for (;;) {
      const chunk = await this.#waitFor(() => this.#plain.read(), signal);
      if (chunk === null) break;
    }
    if (this.#end !== "close_notify") {
      throw new Error("the transport ended before the peer's TLS close_notify arrived; there is nothing to unwrap");
    }
    const leftover = pump.detach();
    this.#closing ??= this.#plain.close(0);
    await this.#closing;
    return leftover;
  }

  async #close(flushTimeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (!socket.destroyed && flushTimeoutMs > 0) {
      const deadline = flushTimeoutMs <= MAX_TIMER_DELAY ? flushTimeoutMs : undefined;
      if (this.#standardCompatible && !socket.writableEnded) {
        // close_notify after everything sent so far; 'finish' once it has left the TLS layer.
        await bounded(
          new Promise<void>((resolve) => {
            socket.once("finish", resolve);
            socket.once("close", resolve);
            socket.end();
          }),
          deadline,
        );
      } else if (socket.writableLength > 0 && !socket.writableEnded) {
        // No close_notify: flush what was sent. An empty write completes after every earlier
        // one ('drain' only comes after a write() that returned false).
        await bounded(
          new Promise<void>((resolve) => {
            socket.once("close", resolve);
            socket.write(new Uint8Array(0), () => {
              socket.off("close", resolve);
              resolve();
            });
          }),
          deadline,
        );
      }
      // On the portable path, also until the pump has handed it all to the portio stream.
      if (this.#pump !== undefined) await bounded(this.#pump.flushed(), deadline);
    }
    await this.#plain.close(0);
  }

  async #waitFor<T>(start: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const promise = start();
    if (signal === undefined) return promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }
}

function bounded(promise: Promise<void>, timeoutMs: number | undefined): Promise<void> {
  if (timeoutMs === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
