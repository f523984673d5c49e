import type { IPSocketAddress, SocketAddress, UNIXSocketAddress } from "../addresses.ts";
import type { CallOptions } from "../abc/resource.ts";
import type { UnreliableObjectReceiveStream, UnreliableObjectSendStream } from "../abc/streams.ts";
import type { DatagramTransport } from "../backend/transports.ts";
import { BrokenResourceError, ClosedResourceError, DatagramTooLargeError } from "../errors.ts";
import { raceAbort, silenced, throwIfAborted } from "../internal/abort.ts";
import { ipFamily } from "../internal/ip.ts";
import { checkHost, checkPort, checkUnixPath } from "../internal/validate.ts";
import { ResourceGuard } from "../resource-guard.ts";
import { SocketAttribute } from "../socket-attributes.ts";
import type { TypedAttributeMap } from "../typed-attributes.ts";
import { ReceiveStreamBase } from "../resource-base.ts";
import { resolveHost } from "./getaddrinfo.ts";
import type { SocketLike } from "../adoption/validate.ts";
// Not the adoption code itself: see adopters.ts for why.
import { adopters } from "../adoption/adopters.ts";

/** A UDP datagram with its sender or destination: `[data, [host, port]]`. */
export type UDPPacket = [data: Uint8Array, address: IPSocketAddress];
/** A Unix datagram with its sender or destination path: `[data, path]`. */
export type UNIXDatagramPacket = [data: Uint8Array, path: UNIXSocketAddress];

/**
 * What the four datagram classes share: one receive at a time (`BusyResourceError`), a receive
 * aborted by its signal keeps its datagram for the next call, `aclose()` wakes pending calls with
 * `ClosedResourceError` and releases the fd before resolving, and iteration runs until close.
 */
export abstract class DatagramSocket<Received, Sent>
  extends ReceiveStreamBase<Received>
  implements UnreliableObjectReceiveStream<Received>, UnreliableObjectSendStream<Sent>
{
  /** @internal */
  protected readonly transport: DatagramTransport;
  readonly #receiveGuard = new ResourceGuard("reading from");
  #pendingReceive: Promise<[Uint8Array, SocketAddress]> | undefined;
  #closing: Promise<void> | undefined;

  /** Wraps a backend's datagram transport, which the socket owns from now on. */
  constructor(transport: DatagramTransport) {
    super();
    this.transport = transport;
  }

  abstract override receive(options?: CallOptions): Promise<Received>;
  abstract send(item: Sent, options?: CallOptions): Promise<void>;

  /** Closes the socket; the fd is released when this resolves. Idempotent. */
  aclose(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closing = this.transport.close().catch(() => {});
    }
    return this.#closing;
  }

  /** Datagrams are yielded until the socket is closed: a close ends iteration quietly. */
  protected override endsIteration(error: unknown): boolean {
    return super.endsIteration(error) || (error instanceof ClosedResourceError && this.#closing !== undefined);
  }

  override get extraAttributes(): TypedAttributeMap {
    const family = this.transport.family;
    const map = new Map<never, () => unknown>([
      [SocketAttribute.family as never, () => family],
      [SocketAttribute.localAddress as never, () => this.transport.localAddress()],
    ]);
    if (family !== "unix")
      map.set(SocketAttribute.localPort as never, () => (this.transport.localAddress() as IPSocketAddress)[1]);
    if (this.transport.fd !== undefined) {
      const fd = this.transport.fd;
      map.set(SocketAttribute.fd as never, () => fd);
    }
    return map;
  }

  /**
   * @internal the next datagram and its sender. Without a signal (nothing can abandon the
   * receive but `aclose()`, whose rejection the handler covers) it is one promise: resolved at
   * once from the transport's `tryReceive()`, else made here around its `receiveWithCallback()`,
   * else one `.then` on the transport's promise with handlers made once per socket. Each extra
   * async frame and promise measured as a few per cent of the datagram rate.
   */
  protected receiveDatagram(options: CallOptions | undefined): Promise<[Uint8Array, SocketAddress]> {
    return this.#receive(options, this.#onDatagram);
  }

  /** @internal as {@link receiveDatagram}, resolving to the data alone (connected sockets) */
  protected receiveDatagramData(options: CallOptions | undefined): Promise<Uint8Array> {
    return this.#receive(options, this.#onDatagramData);
  }

  #receive<T>(options: CallOptions | undefined, onDatagram: (datagram: [Uint8Array, SocketAddress]) => T): Promise<T> {
    const signal = options?.signal;
    try {
      this.#receiveGuard.enter();
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal === undefined && this.#pendingReceive === undefined) {
      if (this.#closing) {
        this.#receiveGuard.exit();
        return Promise.reject(new ClosedResourceError());
      }
      const transport = this.transport;
      if (transport.tryReceive !== undefined) {
        let datagram: [Uint8Array, SocketAddress] | undefined;
        try {
          datagram = transport.tryReceive();
        } catch (error) {
          this.#receiveGuard.exit();
          return Promise.reject(this.#receiveError(error));
        }
        if (datagram !== undefined) return Promise.resolve(onDatagram(datagram));
      }
      if (transport.receiveWithCallback !== undefined) {
        return new Promise<T>((resolve, reject) => {
          const fail = (error: unknown): void => {
            this.#receiveGuard.exit();
            reject(this.#receiveError(error));
          };
          try {
            transport.receiveWithCallback!((datagram) => resolve(onDatagram(datagram)), fail);
          } catch (error) {
            fail(error);
          }
        });
      }
      return settled(() => transport.receive()).then(onDatagram, this.#onReceiveFailed);
    }
    return this.#receiveWithSignal(signal).then(onDatagram, this.#onReceiveAbandoned);
  }

  readonly #onDatagram = (datagram: [Uint8Array, SocketAddress]): [Uint8Array, SocketAddress] => {
    this.#receiveGuard.exit();
    return datagram;
  };

  readonly #onDatagramData = (datagram: [Uint8Array, SocketAddress]): Uint8Array => {
    this.#receiveGuard.exit();
    return datagram[0];
  };

  readonly #onReceiveFailed = (error: unknown): never => {
    this.#receiveGuard.exit();
    throw this.#receiveError(error);
  };

  /** The error of {@link #receiveWithSignal}, already what the caller gets. */
  readonly #onReceiveAbandoned = (error: unknown): never => {
    this.#receiveGuard.exit();
    throw error;
  };

  /** A receive that a signal may abandon: its datagram is kept for the next call. */
  async #receiveWithSignal(signal: AbortSignal | undefined): Promise<[Uint8Array, SocketAddress]> {
    if (this.#closing) throw new ClosedResourceError();
    throwIfAborted(signal);
    const pending = (this.#pendingReceive ??= silenced(this.transport.receive()));
    try {
      const datagram = await raceAbort(pending, signal);
      this.#pendingReceive = undefined;
      return datagram;
    } catch (error) {
      if (signal?.aborted && error === signal.reason && !this.#closing) throw error;
      this.#pendingReceive = undefined;
      throw this.#receiveError(error);
    }
  }

  #receiveError(error: unknown): unknown {
    if (this.#closing) return new ClosedResourceError();
    if (error instanceof DatagramTooLargeError) return error;
    return new BrokenResourceError(`receiving a datagram failed: ${messageOf(error)}`, { cause: error });
  }

  /**
   * @internal sends one datagram; a failed send does not make the socket unusable. Without a
   * signal, a transport's synchronous or callback form makes this one promise in all (see
   * {@link DatagramTransport.trySend}).
   */
  protected sendDatagram(data: Uint8Array, to: SocketAddress | undefined, options: CallOptions | undefined): Promise<void> {
    const signal = options?.signal;
    try {
      if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array");
      if (this.#closing) throw new ClosedResourceError();
      throwIfAborted(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const transport = this.transport;
    if (signal === undefined) {
      if (transport.trySend !== undefined) {
        try {
          if (transport.trySend(data, to)) return SENT;
        } catch (error) {
          return Promise.reject(this.#sendError(error, data, undefined));
        }
      } else if (transport.sendWithCallback !== undefined) {
        return new Promise<void>((resolve, reject) => {
          try {
            transport.sendWithCallback!(data, to, (error?: unknown) => {
              if (error == null) resolve();
              else reject(this.#sendError(error, data, undefined));
            });
          } catch (error) {
            reject(this.#sendError(error, data, undefined));
          }
        });
      }
    }
    return raceAbort(
      settled(() => transport.send(data, to)),
      signal,
    ).then(undefined, (error: unknown) => {
      throw this.#sendError(error, data, signal);
    });
  }

  #sendError(error: unknown, data: Uint8Array, signal: AbortSignal | undefined): unknown {
    if (this.#closing) return new ClosedResourceError();
    if (signal?.aborted && error === signal.reason) return error;
    if ((error as { code?: unknown })?.code === "EMSGSIZE") {
      return new RangeError(`a ${data.byteLength}-byte datagram is too large to send`, { cause: error });
    }
    return new BrokenResourceError(`sending a datagram failed: ${messageOf(error)}`, { cause: error });
  }

  /** @internal numeric address of `host`, of this socket's family */
  protected async resolveDestination(host: string, port: number): Promise<IPSocketAddress> {
    checkHost(host, "host");
    checkPort(port, "port", { allowZero: false });
    const literal = ipFamily(host);
    if (literal === "inet6" && this.transport.family === "inet") {
      throw new TypeError(
        `cannot send to ${host}, an IPv6 address, from an IPv4 (AF_INET) socket; create the socket with family "inet6"`,
      );
    }
    if (literal !== undefined) return [host, port];
    const family = this.transport.family === "unix" ? undefined : this.transport.family;
    const [first] = await resolveHost(host, family);
    if (first === undefined) throw new BrokenResourceError(`${host} has no ${family ?? ""} address`);
    return [first.address, port];
  }

  /** @internal adds the peer attributes of connected sockets */
  protected connectedAttributes(map: TypedAttributeMap): TypedAttributeMap {
    const merged = new Map(map);
    merged.set(SocketAttribute.remoteAddress as never, () => this.transport.remoteAddress());
    if (this.transport.family !== "unix") {
      merged.set(SocketAttribute.remotePort as never, () => (this.transport.remoteAddress() as IPSocketAddress)[1]);
    }
    return merged;
  }
}

/**
 * An unconnected UDP socket: receives from anyone, sends to any address.
 *
 * @example
 * ```ts
 * const udp = await createUdpSocket({ localHost: "127.0.0.1" });
 * await udp.sendto(new TextEncoder().encode("hi"), "127.0.0.1", 9999);
 * const [data, [host, port]] = await udp.receive();
 * ```
 */
export class UDPSocket extends DatagramSocket<UDPPacket, UDPPacket> {
  /**
   * Adopts a bound UDP socket (an fd, or Node's `dgram.Socket`). Refused with
   * `InvalidSocketError` (`NOT_BOUND`, `FAMILY_MISMATCH`, `TYPE_MISMATCH`, ...), the fd then left
   * open and unchanged; on success `aclose()` releases the fd before it resolves.
   *
   * @example
   * ```ts
   * const udp = await UDPSocket.fromSocket(3);
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<UDPSocket> {
    return (await adopters().udp(socket)) as UDPSocket;
  }

  /** The next datagram and its sender's `[host, port]`. */
  receive(options?: CallOptions): Promise<UDPPacket> {
    return this.receiveDatagram(options) as Promise<UDPPacket>;
  }

  /** Sends `[data, [host, port]]`. */
  async send(item: UDPPacket, options?: CallOptions): Promise<void> {
    const [data, address] = item;
    await this.sendto(data, address[0], address[1], options);
  }

  /** The last host `sendto` found to be numeric: replies to one peer skip the address parsing. */
  #numericHost: string | undefined;

  /** Sends `data` to `host:port` (a host name is resolved to this socket's family). */
  sendto(data: Uint8Array, host: string, port: number, options?: CallOptions): Promise<void> {
    if (host === this.#numericHost && Number.isInteger(port) && port > 0 && port < 65536) {
      return this.sendDatagram(data, [host, port], options);
    }
    return this.resolveDestination(host, port).then((address) => {
      if (address[0] === host) this.#numericHost = host;
      return this.sendDatagram(data, address, options);
    });
  }
}

/** What the two connected datagram classes share: bare data both ways, and the peer's attributes. */
export abstract class ConnectedDatagramSocket extends DatagramSocket<Uint8Array, Uint8Array> {
  /** The next datagram from the peer. */
  receive(options?: CallOptions): Promise<Uint8Array> {
    return this.receiveDatagramData(options);
  }

  /** Sends one datagram to the peer. */
  send(data: Uint8Array, options?: CallOptions): Promise<void> {
    return this.sendDatagram(data, undefined, options);
  }

  /** The typed attributes, with the peer's address and port. */
  override get extraAttributes(): TypedAttributeMap {
    return this.connectedAttributes(super.extraAttributes);
  }
}

/**
 * A UDP socket connected to one peer: `send(data)` goes there, `receive()` returns only the
 * peer's datagrams.
 *
 * @example
 * ```ts
 * const udp = await createConnectedUdpSocket("127.0.0.1", 9999);
 * await udp.send(new TextEncoder().encode("ping"));
 * const reply = await udp.receive({ signal: AbortSignal.timeout(1_000) });
 * ```
 */
export class ConnectedUDPSocket extends ConnectedDatagramSocket {
  /**
   * Adopts a connected UDP socket (an fd, or a connected `dgram.Socket`); refused with
   * `NOT_CONNECTED` when it has no peer. See {@link UDPSocket.fromSocket}.
   *
   * @example
   * ```ts
   * const udp = await ConnectedUDPSocket.fromSocket(fd);
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<ConnectedUDPSocket> {
    return (await adopters().connectedUdp(socket)) as ConnectedUDPSocket;
  }
}

/**
 * An unconnected Unix datagram socket: `receive()` gives `[data, senderPath]` (`""` for an unnamed
 * sender), `sendto(data, path)` sends anywhere.
 *
 * @example
 * ```ts
 * const sock = await createUnixDatagramSocket({ localPath: "/tmp/me.sock" });
 * await sock.sendto(new TextEncoder().encode("hi"), "/tmp/peer.sock");
 * ```
 */
export class UNIXDatagramSocket extends DatagramSocket<UNIXDatagramPacket, UNIXDatagramPacket> {
  /**
   * Adopts an AF_UNIX datagram socket, bound or not (as AnyIO does). Refused with
   * `FAMILY_MISMATCH` / `TYPE_MISMATCH` for other sockets. See {@link UDPSocket.fromSocket}.
   *
   * @example
   * ```ts
   * const sock = await UNIXDatagramSocket.fromSocket(fd);
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<UNIXDatagramSocket> {
    return (await adopters().unixDatagram(socket)) as UNIXDatagramSocket;
  }

  /** Receives one datagram and the sender's path (`""` for an unbound sender). */
  receive(options?: CallOptions): Promise<UNIXDatagramPacket> {
    return this.receiveDatagram(options) as Promise<UNIXDatagramPacket>;
  }

  /** Sends `[data, path]`. */
  async send(item: UNIXDatagramPacket, options?: CallOptions): Promise<void> {
    await this.sendto(item[0], item[1], options);
  }

  /** Sends `data` to the socket bound at `path`. */
  async sendto(data: Uint8Array, path: string | Uint8Array, options?: CallOptions): Promise<void> {
    checkUnixPath(path);
    await this.sendDatagram(data, path, options);
  }
}

/**
 * A Unix datagram socket connected to one peer path (or one end of a `socketpair("dgram")`).
 *
 * @example
 * ```ts
 * const [a, b] = await socketpair("dgram");
 * await a.send(new TextEncoder().encode("ping"));
 * console.log(await b.receive());
 * ```
 */
export class ConnectedUNIXDatagramSocket extends ConnectedDatagramSocket {
  /**
   * Adopts a connected AF_UNIX datagram socket (one end of `socketpair(AF_UNIX, SOCK_DGRAM)`,
   * say); refused with `NOT_CONNECTED` when it has no peer. See {@link UDPSocket.fromSocket}.
   *
   * @example
   * ```ts
   * const sock = await ConnectedUNIXDatagramSocket.fromSocket(fd);
   * ```
   */
  static async fromSocket(socket: SocketLike): Promise<ConnectedUNIXDatagramSocket> {
    return (await adopters().connectedUnixDatagram(socket)) as ConnectedUNIXDatagramSocket;
  }
}

/** What a send that completed synchronously returns: one settled promise serves them all. */
const SENT: Promise<void> = Promise.resolve();

/** `call()`'s promise, or a rejected one if it threw instead of returning one. */
function settled<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}

function messageOf(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error);
}
