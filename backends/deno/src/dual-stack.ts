/**
 * IPV6_V6ONLY for Deno, emulated. Core listens on `::` (IPv6 only) and on `0.0.0.0` separately,
 * with one port, as AnyIO does. Deno cannot set IPV6_V6ONLY (neither `Deno.listen` nor its
 * node:net), and its `::` socket is dual-stack, so the `0.0.0.0` bind on the same port would
 * fail with EADDRINUSE. So the one dual-stack socket serves both: its connections are sorted by
 * the peer's address, IPv4-mapped ones (`::ffff:a.b.c.d`) to the IPv4 listener, the others to the
 * IPv6 one, each seeing plain addresses of its own family, exactly as with two sockets.
 *
 * Differences from real IPV6_V6ONLY, all at the edges: the shared socket accepts eagerly (it must
 * look at a connection to route it), keeping up to {@link QUEUE_LIMIT} unaccepted connections per
 * side; an IPv4 client of a `::` listener with no IPv4 partner is accepted and closed at once
 * rather than refused; and the `::` bind fails if another program holds the port on IPv4.
 *
 * @module
 */
import type { AddressFamily, SocketAddress } from "@portio/core";
import { AcceptQueue, type BackendTCPOptions, type ListenerTransport } from "@portio/core/backend";
import { ipFamilyOf, unmapIPv4 } from "./addresses.ts";
import { isTransientAcceptError, socketClosedError } from "@portio/node-shared";
import { DenoStreamTransport, applyDenoTcpOptions } from "./stream-transport.ts";

/** Accepted connections kept per side while nobody accepts; further ones are closed. */
const QUEUE_LIMIT = 512;

/** Dual-stack `::` sockets of this process, by port, whose IPv4 side may still be claimed. */
const shared = new Map<number, SharedSocket>();

/**
 * Listens on `::` for IPv6 only (see the module comment): the IPv6 side of a new dual-stack socket.
 *
 * @example
 * ```ts
 * const v6 = listenAnyIPv6Only(0, listen, { noDelay: true });
 * const v4 = claimIPv4Side(v6.port, { noDelay: true }); // what createTcpListener("0.0.0.0", port) returns
 * ```
 */
export function listenAnyIPv6Only(
  port: number,
  listen: (port: number) => Deno.Listener,
  tcpOptions: Partial<BackendTCPOptions>,
): RoutedListenerTransport {
  const listener = listen(port);
  const socket = new SharedSocket(listener);
  shared.set(socket.port, socket);
  return socket.open("inet6", tcpOptions);
}

/** The IPv4 side of this process's dual-stack `::` socket on `port`, if there is one left to claim. */
export function claimIPv4Side(port: number, tcpOptions: Partial<BackendTCPOptions>): RoutedListenerTransport | undefined {
  const socket = shared.get(port);
  if (socket === undefined || socket.has("inet")) return undefined;
  return socket.open("inet", tcpOptions);
}

class SharedSocket {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #sides = new Map<AddressFamily, RoutedListenerTransport>();
  #pumping: Promise<void> | undefined;
  #closed = false;

  constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
  }

  has(family: AddressFamily): boolean {
    return this.#sides.has(family);
  }

  /** A side for `family`, whose accepted connections get `tcpOptions`. */
  open(family: AddressFamily, tcpOptions: Partial<BackendTCPOptions>): RoutedListenerTransport {
    const side = new RoutedListenerTransport(
      family,
      family === "inet6" ? ["::", this.port] : ["0.0.0.0", this.port],
      this,
      tcpOptions,
    );
    this.#sides.set(family, side);
    return side;
  }

  /** Starts accepting once someone waits; runs until the socket closes. */
  wanted(): void {
    this.#pumping ??= this.#pump();
  }

  async #pump(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        if (isTransientAcceptError(error)) continue;
        for (const side of this.#sides.values()) side.fail(error);
        return;
      }
      const remote = conn.remoteAddr as Deno.NetAddr;
      const host = unmapIPv4(remote.hostname);
      const side = this.#sides.get(ipFamilyOf(host));
      if (side === undefined || !side.offer(conn, host, remote.port)) {
        try {
          conn.close();
        } catch {
          /* already gone */
        }
      }
    }
  }

  /** One side closed; the socket goes when both have. */
  async release(side: RoutedListenerTransport): Promise<void> {
    if (this.#sides.get(side.family) === side) this.#sides.delete(side.family);
    // While the IPv6 side lives, the IPv4 side may still be claimed (core binds `::` first).
    if (this.#sides.size > 0) return;
    this.#closed = true;
    if (shared.get(this.port) === this) shared.delete(this.port);
    try {
      this.#listener.close();
    } catch {
      /* already closed */
    }
    await this.#pumping;
  }
}

/** One family's side of a shared dual-stack socket, as core's {@link ListenerTransport}. */
export class RoutedListenerTransport implements ListenerTransport {
  readonly family: AddressFamily;
  readonly fd: number | undefined = undefined;
  readonly #localAddress: SocketAddress;
  readonly #socket: SharedSocket;
  readonly #queue = new AcceptQueue<DenoStreamTransport>({
    closedError: () => socketClosedError("listener"),
    limit: QUEUE_LIMIT,
  });
  #closing: Promise<void> | undefined;

  readonly #tcpOptions: Partial<BackendTCPOptions>;

  constructor(family: AddressFamily, localAddress: SocketAddress, socket: SharedSocket, tcpOptions: Partial<BackendTCPOptions>) {
    this.family = family;
    this.#tcpOptions = tcpOptions;
    this.#localAddress = localAddress;
    this.#socket = socket;
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  accept(): Promise<DenoStreamTransport> {
    const next = this.#queue.shift();
    this.#socket.wanted();
    return next;
  }

  /** @internal A connection routed here; false when this side cannot take it. */
  offer(conn: Deno.Conn, host: string, port: number): boolean {
    if (this.#queue.closed) return false;
    let transport: DenoStreamTransport;
    try {
      applyDenoTcpOptions(conn as Deno.TcpConn, this.#tcpOptions);
      const local = conn.localAddr as Deno.NetAddr;
      transport = new DenoStreamTransport(conn, {
        family: this.family,
        localAddress: [unmapIPv4(local.hostname), local.port],
        remoteAddress: [host, port],
      });
    } catch {
      return false; // reset before we got to it
    }
    // Beyond the limit the queue closes it itself.
    this.#queue.push(transport);
    return true;
  }

  /** @internal The shared socket failed: it accepts no more. */
  fail(error: unknown): void {
    this.#queue.fail(error, { permanent: true });
  }

  close(): Promise<void> {
    return (this.#closing ??= Promise.all([this.#queue.close(), this.#socket.release(this)]).then(() => {}));
  }
}
