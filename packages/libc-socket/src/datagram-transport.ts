/**
 * Core's `DatagramTransport` over a {@link LibcSocket}: the pull-style datagram path that every
 * backend shares where its runtime has none (Unix datagrams on Node, UDP and Unix datagrams on
 * Deno, socketpair("dgram") everywhere). Runtime-free: the binder inside the socket is the only
 * runtime part.
 *
 * @module
 */

import { ClosedResourceError, DatagramTooLargeError } from "@portio/core";
import type { AddressFamily, SocketAddress } from "@portio/core";
import type { DatagramTransport } from "@portio/core/backend";
import type { LibcBinder } from "./binder.ts";
import { constantsFor, type SocketConstants } from "./constants.ts";
import { sockaddrScratch, socklen, socklenResult } from "./calls.ts";
import { systemError, type SystemErrorTarget } from "./errno.ts";
import { getReactor, type Reactor } from "./reactor.ts";
import { decodeSockaddr, encodeIpSockaddr, encodeUnixSockaddr } from "./sockaddr.ts";
import type { LibcSocket } from "./socket.ts";

/** Default receive buffer of UDP sockets: the largest UDP payload over IPv4 fits. */
export const UDP_RECEIVE_BUFFER_SIZE = 65536;

/**
 * Default receive buffer of Unix datagram sockets. Linux caps a Unix datagram at the sender's
 * SO_SNDBUF minus 32 bytes, and the default SO_SNDBUF (net.core.wmem_default) is 212992, so
 * 256 KiB takes every datagram of a sender that left its buffer alone. A sender that raised
 * SO_SNDBUF can send more; those datagrams are reported with `DatagramTooLargeError`.
 */
export const UNIX_DATAGRAM_RECEIVE_BUFFER_SIZE = 256 * 1024;

/** How a {@link LibcDatagramTransport} describes its socket. */
export interface LibcDatagramTransportOptions {
  /**
   * Largest datagram `receive()` delivers; larger ones reject with `DatagramTooLargeError`.
   * Default: {@link UNIX_DATAGRAM_RECEIVE_BUFFER_SIZE} for Unix sockets, else
   * {@link UDP_RECEIVE_BUFFER_SIZE}.
   */
  receiveBufferSize?: number;
  /**
   * Whether the socket is connected. Default: asked once with getpeername. A connected socket
   * receives only from its peer, so its datagrams are received without a sender address.
   */
  connected?: boolean;
  /** The local address when the caller knows it (saves a getsockname). */
  localAddress?: SocketAddress;
  /** The peer of a connected socket when the caller knows it (saves a getpeername). */
  remoteAddress?: SocketAddress;
}

/**
 * Consecutive fruitless wake-ups of one send after which it waits on a timer instead (see
 * {@link LibcDatagramTransport.send}), and the longest such wait.
 */
const SPIN_LIMIT = 16;
const MAX_BACKOFF_MS = 16;

// One receive buffer for all transports: a receive is a synchronous call whose bytes are copied
// out before anything else runs, so sharing costs nothing and saves 256 KiB per socket.
let scratch = new Uint8Array(0);
function receiveBuffer(size: number): Uint8Array {
  if (scratch.length < size) scratch = new Uint8Array(size);
  return scratch;
}

/**
 * A datagram socket (UDP or Unix, connected or not) driven through libc: `receive()` reads from
 * the kernel only when asked (the kernel's receive buffer does the queueing and the dropping) and
 * waits in the shared {@link Reactor} when there is nothing, so the event loop never blocks.
 *
 * - `receive()` resolves with a copy of exactly one datagram and its sender (`""` for an unnamed
 *   Unix sender). A datagram longer than the receive buffer is discarded by the kernel and
 *   reported with `DatagramTooLargeError(size, bufferSize)`; the next one arrives as usual.
 *   (Linux reports the real size; macOS cannot, so there `size` is `bufferSize + 1`.)
 * - `send()` never blocks: on EAGAIN it waits for writability.
 * - `close()` wakes a pending call with `ClosedResourceError` and resolves once the fd is closed.
 *
 * @example
 * ```ts
 * const [a, b] = LibcSocket.socketpair(binder, "dgram");
 * const left = new LibcDatagramTransport(a, { connected: true, localAddress: "", remoteAddress: "" });
 * const right = new LibcDatagramTransport(b, { connected: true, localAddress: "", remoteAddress: "" });
 * await left.send(new TextEncoder().encode("ping"));
 * const [data] = await right.receive();
 * await Promise.all([left.close(), right.close()]);
 * ```
 */
export class LibcDatagramTransport implements DatagramTransport {
  readonly family: AddressFamily;
  /** The largest datagram {@link receive} delivers. */
  readonly receiveBufferSize: number;
  /** The last ICMP-reported error that {@link receive} skipped (see `isIcmpReport`). */
  lastTransientError: Error | undefined;
  readonly #socket: LibcSocket;
  readonly #binder: LibcBinder;
  readonly #fd: number;
  readonly #C: SocketConstants;
  readonly #reactor: Reactor;
  readonly #connected: boolean;
  readonly #receiveFlags: number;
  readonly #sendFlags: number;
  /** Bytes offered to the kernel per receive: one more than the buffer where MSG_TRUNC cannot tell. */
  readonly #room: number;
  #localAddress: SocketAddress | undefined;
  #remoteAddress: SocketAddress | undefined;
  /** The last destination and its encoding: a peer talked to repeatedly is encoded once. */
  #lastTo: { address: SocketAddress; sockaddr: Uint8Array } | undefined;
  /** The last sender's raw sockaddr and what it decoded to: a peer heard repeatedly is decoded once. */
  #lastFrom: { raw: Uint8Array; address: SocketAddress } | undefined;
  #closing: Promise<void> | undefined;
  /** Sends waiting on a backoff timer, woken early by close. */
  readonly #sleepers = new Set<() => void>();

  /** Wraps `socket`, which the transport owns from now on. */
  constructor(socket: LibcSocket, options: LibcDatagramTransportOptions = {}) {
    this.#socket = socket;
    this.#binder = socket.binder;
    this.#fd = socket.fd;
    this.#C = constantsFor(socket.binder.platform);
    this.#reactor = getReactor(socket.binder);
    this.family = socket.family;
    if (socket.kind !== "dgram") throw new TypeError("LibcDatagramTransport needs a SOCK_DGRAM socket");
    const size =
      options.receiveBufferSize ?? (this.family === "unix" ? UNIX_DATAGRAM_RECEIVE_BUFFER_SIZE : UDP_RECEIVE_BUFFER_SIZE);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`receiveBufferSize must be a positive integer, got ${size}`);
    this.receiveBufferSize = size;
    const linux = this.#C.platform === "linux";
    // Linux's MSG_TRUNC makes recv return the datagram's real length even when it was cut;
    // elsewhere one spare byte of room is what reveals a cut.
    this.#receiveFlags = this.#C.MSG_DONTWAIT | (linux ? this.#C.MSG_TRUNC : 0);
    this.#room = linux ? size : size + 1;
    this.#sendFlags = this.#C.MSG_DONTWAIT | this.#C.MSG_NOSIGNAL;
    this.#localAddress = options.localAddress;
    if (options.remoteAddress !== undefined) {
      this.#connected = options.connected ?? true;
      this.#remoteAddress = options.remoteAddress;
    } else if (options.connected === false) {
      this.#connected = false;
    } else {
      this.#remoteAddress = this.#peer(options.connected === true);
      this.#connected = this.#remoteAddress !== undefined;
    }
  }

  /** The fd while the socket is open. */
  get fd(): number | undefined {
    return this.#closing === undefined ? this.#fd : undefined;
  }

  localAddress(): SocketAddress {
    if (this.#localAddress !== undefined) return this.#localAddress;
    if (this.#closing !== undefined) throw new ClosedResourceError();
    const address = this.#socket.getsockname();
    // An unbound socket is bound implicitly later (UDP on its first send), so "nothing yet" is
    // not remembered.
    const unbound = typeof address === "string" ? address === "" : !(address instanceof Uint8Array) && address[1] === 0;
    if (!unbound) this.#localAddress = address;
    return address;
  }

  remoteAddress(): SocketAddress {
    if (!this.#connected || this.#remoteAddress === undefined) {
      throw Object.assign(new Error("the socket is not connected, so it has no remote address"), { code: "ENOTCONN" });
    }
    return this.#remoteAddress;
  }

  /**
   * The next datagram. A datagram already queued is returned without an async frame or an extra
   * promise step (measured: they cost several per cent of the rate of a busy socket); only a
   * receive that has to wait takes the async path.
   */
  receive(): Promise<[Uint8Array, SocketAddress]> {
    if (this.#foundEmpty) {
      this.#foundEmpty = false;
      return this.#receiveWaiting();
    }
    let datagram: [Uint8Array, SocketAddress] | undefined;
    try {
      datagram = this.#tryReceive();
    } catch (error) {
      return Promise.reject(error);
    }
    return datagram === undefined ? this.#receiveWaiting() : this.#reactor.completedWithoutWaiting(datagram);
  }

  /**
   * Set when {@link tryReceive} found nothing (EAGAIN): the `receive()` that core calls right
   * after, with nothing run in between, goes straight to waiting instead of asking the kernel again.
   */
  #foundEmpty = false;
  /** As {@link #foundEmpty}, for {@link trySend} finding no room. */
  #foundFull = false;

  /**
   * The next datagram if one is queued in the kernel and the reactor's budget lets a call
   * complete without an event-loop turn; else `undefined` (then `receive()`).
   */
  tryReceive(): [Uint8Array, SocketAddress] | undefined {
    if (this.#reactor.yieldDue) return undefined;
    const datagram = this.#tryReceive();
    // shouldYield() counts the call; it cannot say true here, since yieldDue was false.
    if (datagram === undefined) this.#foundEmpty = true;
    else this.#reactor.shouldYield();
    return datagram;
  }

  async #receiveWaiting(): Promise<[Uint8Array, SocketAddress]> {
    for (;;) {
      await this.#reactor.waitReadable(this.#fd);
      const datagram = this.#tryReceive();
      if (datagram !== undefined) return this.#reactor.completedWithoutWaiting(datagram);
    }
  }

  /** One datagram if one is queued, `undefined` on EAGAIN; throws on errors and once closed. */
  #tryReceive(): [Uint8Array, SocketAddress] | undefined {
    const binder = this.#binder;
    const fd = this.#fd;
    const room = this.#room;
    for (;;) {
      // Checked before every call: once closed, the fd number may already belong to a new file.
      if (this.#closing !== undefined) throw new ClosedResourceError();
      const buffer = receiveBuffer(room);
      let n: number;
      let sa: Uint8Array | undefined;
      if (this.#connected) {
        n = binder.recv(fd, buffer, room, this.#receiveFlags);
      } else {
        sa = sockaddrScratch();
        n = binder.recvfrom(fd, buffer, room, this.#receiveFlags, sa, socklen(sa.length));
      }
      if (n >= 0) {
        if (n > this.receiveBufferSize) throw new DatagramTooLargeError(n, this.receiveBufferSize);
        const data = buffer.slice(0, n); // before anything else runs: the buffer is shared
        return [data, sa === undefined ? this.#remoteAddress! : this.#sender(sa, socklenResult())];
      }
      const errno = binder.errno();
      const E = this.#C.errno;
      if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) return undefined;
      if (isIcmpReport(errno, E)) this.lastTransientError = systemError(binder.platform, errno, "recv");
      else if (errno !== E.EINTR) throw systemError(binder.platform, errno, sa === undefined ? "recv" : "recvfrom");
    }
  }

  /**
   * Sends one datagram, to `to` or to the peer. Waits for writability on EAGAIN.
   *
   * Linux reports an UNCONNECTED Unix datagram socket writable even while the receiver's queue
   * (net.unix.max_dgram_qlen) is full and sendto keeps failing with EAGAIN: nothing wakes such a
   * sender when the queue drains. So after {@link SPIN_LIMIT} wake-ups that did not help, the send
   * retries on a timer (1 ms, doubling up to {@link MAX_BACKOFF_MS}) instead of spinning.
   */
  send(data: Uint8Array, to?: SocketAddress): Promise<void> {
    let sockaddr: Uint8Array | undefined;
    try {
      sockaddr = to === undefined ? undefined : this.#encode(to);
      if (this.#foundFull) this.#foundFull = false;
      else if (this.#trySend(data, sockaddr, to)) return this.#reactor.completedWithoutWaiting(undefined);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#sendWaiting(data, sockaddr, to);
  }

  /**
   * Sends now if the kernel has room and the reactor's budget lets a call complete without an
   * event-loop turn: `true` once sent, `false` (nothing sent) otherwise (then `send()`).
   */
  trySend(data: Uint8Array, to?: SocketAddress): boolean {
    if (this.#reactor.yieldDue) return false;
    const sent = this.#trySend(data, to === undefined ? undefined : this.#encode(to), to);
    // shouldYield() counts the call; it cannot say true here, since yieldDue was false.
    if (sent) this.#reactor.shouldYield();
    else this.#foundFull = true;
    return sent;
  }

  async #sendWaiting(data: Uint8Array, sockaddr: Uint8Array | undefined, to: SocketAddress | undefined): Promise<void> {
    for (let fruitless = 0; ; fruitless++) {
      if (fruitless < SPIN_LIMIT) await this.#reactor.waitWritable(this.#fd);
      else await this.#sleep(Math.min(2 ** (fruitless - SPIN_LIMIT), MAX_BACKOFF_MS));
      if (this.#trySend(data, sockaddr, to)) return this.#reactor.completedWithoutWaiting(undefined);
    }
  }

  /** Whether the datagram went out (false on EAGAIN); throws on errors and once closed. */
  #trySend(data: Uint8Array, sockaddr: Uint8Array | undefined, to: SocketAddress | undefined): boolean {
    const binder = this.#binder;
    for (;;) {
      if (this.#closing !== undefined) throw new ClosedResourceError();
      const n =
        sockaddr === undefined
          ? binder.send(this.#fd, data, data.length, this.#sendFlags)
          : binder.sendto(this.#fd, data, data.length, this.#sendFlags, sockaddr, sockaddr.length);
      if (n >= 0) return true;
      const errno = binder.errno();
      const E = this.#C.errno;
      if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) return false;
      if (errno !== E.EINTR) {
        throw systemError(
          binder.platform,
          errno,
          sockaddr === undefined ? "send" : "sendto",
          to === undefined ? undefined : target(to),
        );
      }
    }
  }

  /** Wakes pending calls with `ClosedResourceError`, then closes the fd; resolves once it is closed. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      for (const wake of this.#sleepers) wake();
      this.#sleepers.clear();
      this.#closing = this.#socket.close();
    }
    return this.#closing;
  }

  /** The peer's address, or `undefined` when there is none (and `required` is false). */
  #peer(required: boolean): SocketAddress | undefined {
    try {
      return this.#socket.getpeername();
    } catch (error) {
      if (!required && (error as { code?: string }).code === "ENOTCONN") return undefined;
      throw error;
    }
  }

  #sender(sa: Uint8Array, length: number): SocketAddress {
    // An unnamed Unix sender may come with addrlen 0, leaving the buffer's old family in place.
    if (length < 2) return this.family === "unix" ? "" : ["", 0];
    const last = this.#lastFrom;
    if (last !== undefined && last.raw.length === length && sameBytes(last.raw, sa, length)) {
      // Bytes are mutable: each caller gets its own copy.
      return last.address instanceof Uint8Array ? last.address.slice() : last.address;
    }
    const address = decodeSockaddr(this.#C, sa, length).address;
    this.#lastFrom = { raw: sa.slice(0, length), address: address instanceof Uint8Array ? address.slice() : address };
    return address;
  }

  #encode(to: SocketAddress): Uint8Array {
    const last = this.#lastTo;
    if (last !== undefined && sameAddress(last.address, to)) return last.sockaddr;
    let sockaddr: Uint8Array;
    if (this.family === "unix") {
      if (typeof to !== "string" && !(to instanceof Uint8Array)) {
        throw new TypeError("a Unix socket address is a path (string or Uint8Array)");
      }
      sockaddr = encodeUnixSockaddr(this.#C, to);
    } else {
      if (typeof to === "string" || to instanceof Uint8Array) throw new TypeError("an IP socket address is [host, port]");
      const zoneToIndex = this.#binder.ifNameToIndex?.bind(this.#binder);
      sockaddr = encodeIpSockaddr(this.#C, this.family, to[0], to[1], zoneToIndex ? { zoneToIndex } : {});
    }
    // A copy of the key: the caller may mutate its array or tuple for the next destination. Not
    // to.slice(): on a Node Buffer that is a view, and the cached key would change with the caller's bytes.
    const key: SocketAddress = typeof to === "string" ? to : to instanceof Uint8Array ? new Uint8Array(to) : [to[0], to[1]];
    this.#lastTo = { address: key, sockaddr };
    return sockaddr;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && sameBytes(a, b, a.length);
  }
  return a[0] === b[0] && a[1] === b[1];
}

function target(address: SocketAddress): SystemErrorTarget {
  if (typeof address === "string" || address instanceof Uint8Array) return { path: address };
  return { address: address[0], port: address[1] };
}

/**
 * Errors the kernel queues on a UDP socket when an ICMP message answers an earlier send (e.g. port
 * unreachable after sending to a closed port). They say nothing about the datagrams still to
 * come, so receive skips them, as AnyIO does on asyncio and as the Node dgram transport does; the
 * last one is kept in `lastTransientError` for diagnosis.
 */
function isIcmpReport(errno: number, E: Record<string, number>): boolean {
  return (
    errno === E.ECONNREFUSED ||
    errno === E.EHOSTUNREACH ||
    errno === E.ENETUNREACH ||
    errno === E.EHOSTDOWN ||
    errno === E.ENETDOWN
  );
}
