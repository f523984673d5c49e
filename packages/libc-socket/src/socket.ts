/**
 * A socket fd driven through libc: every call is non-blocking (`MSG_DONTWAIT` on each transfer,
 * O_NONBLOCK on sockets this module makes) and waits for readiness through the binder's
 * {@link Reactor}, so the event loop never blocks.
 *
 * @module
 */

import { ClosedResourceError, FdsTruncated } from "@portio/core";
import type { SocketAddress } from "@portio/core";
import type { LibcBinder } from "./binder.ts";
import { constantsFor, type SocketConstants } from "./constants.ts";
import {
  getpeername,
  getsockname,
  getsockoptInt,
  setCloseOnExec,
  setNonBlocking,
  setsockoptInt,
  sockaddrScratch,
  socklen,
  socklenResult,
} from "./calls.ts";
import { lastError, systemError, type SystemErrorTarget } from "./errno.ts";
import { getReactor, type Reactor } from "./reactor.ts";
import { decodeSockaddr, encodeIpSockaddr, encodeUnixSockaddr, sockaddrFamily } from "./sockaddr.ts";

/** Address family as portio names it. */
export type SocketFamily = "inet" | "inet6" | "unix";
/** Socket type as portio names it. */
export type SocketKind = "stream" | "dgram";

/** Options of every call that can wait. */
export interface WaitOptions {
  /** Aborts the wait; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** `[data, sender, truncated]`: `truncated` is true when the datagram was longer than `maxBytes`. */
export type RecvFromResult = [data: Uint8Array, address: SocketAddress, truncated: boolean];

// One receive buffer for every socket: receives are synchronous and copied out before returning.
let receiveBuffer = new Uint8Array(65537);
function receiveScratch(size: number): Uint8Array {
  if (receiveBuffer.length < size) receiveBuffer = new Uint8Array(size);
  return receiveBuffer;
}

/**
 * The listen queue length portio asks for when it starts a socket listening itself: Node's and
 * Deno's default (and what their own listeners use), so that adopted and created listeners agree.
 *
 * @example
 * ```ts
 * socket.listen(LISTEN_BACKLOG);
 * ```
 */
export const LISTEN_BACKLOG = 511;

/**
 * A socket over an fd, for the cases where the runtime has no native path (Unix datagrams on
 * Node; UDP and Unix datagrams on Deno) and for adoption.
 *
 * @example
 * ```ts
 * const sock = LibcSocket.create(binder, "inet", "dgram");
 * sock.bind(["127.0.0.1", 0]);
 * await sock.sendto(new TextEncoder().encode("hi"), sock.getsockname());
 * const [data, from, truncated] = await sock.recvfrom(65536);
 * await sock.close();
 * ```
 */
export class LibcSocket {
  /** The libc binding this socket calls through. */
  readonly binder: LibcBinder;
  /** The descriptor; still readable after {@link close} for diagnostics. */
  readonly fd: number;
  readonly #C: SocketConstants;
  readonly #reactor: Reactor;
  #closed = false;
  #family: SocketFamily | undefined;
  #kind: SocketKind | undefined;
  /** Whether O_NONBLOCK is known to be set; `undefined` until checked. */
  #nonBlocking: boolean | undefined;
  /** The last address `sendto` encoded, so a peer talked to repeatedly is encoded once. */
  #lastTo: { address: SocketAddress; sockaddr: Uint8Array } | undefined;

  private constructor(binder: LibcBinder, fd: number, family?: SocketFamily, kind?: SocketKind, nonBlocking?: boolean) {
    this.binder = binder;
    this.fd = fd;
    this.#C = constantsFor(binder.platform);
    this.#reactor = getReactor(binder);
    // close() and detach() tell the reactor first: its watcher on this fd may outlive a wait.
    this.#reactor.own(fd);
    this.#family = family;
    this.#kind = kind;
    this.#nonBlocking = nonBlocking;
  }

  /** A new non-blocking, close-on-exec socket. */
  static create(binder: LibcBinder, family: SocketFamily, kind: SocketKind): LibcSocket {
    const C = constantsFor(binder.platform);
    const domain = familyNumber(C, family);
    const type = kind === "stream" ? C.SOCK_STREAM : C.SOCK_DGRAM;
    const fd = binder.socket(domain, type | (C.SOCK_NONBLOCK ?? 0) | (C.SOCK_CLOEXEC ?? 0), 0);
    if (fd === -1) throw lastError(binder, "socket");
    try {
      finishNewFd(binder, fd);
    } catch (error) {
      binder.close(fd);
      throw error;
    }
    return new LibcSocket(binder, fd, family, kind, true);
  }

  /**
   * Wraps an existing fd without changing it (blocking mode included: see
   * {@link setNonBlocking}). Closing the returned socket closes the fd.
   */
  static fromFd(binder: LibcBinder, fd: number): LibcSocket {
    if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`fd must be a non-negative integer, got ${String(fd)}`);
    return new LibcSocket(binder, fd);
  }

  /** A connected pair of Unix sockets, both non-blocking and close-on-exec. */
  static socketpair(binder: LibcBinder, kind: SocketKind = "stream"): [LibcSocket, LibcSocket] {
    const C = constantsFor(binder.platform);
    const type = (kind === "stream" ? C.SOCK_STREAM : C.SOCK_DGRAM) | (C.SOCK_NONBLOCK ?? 0) | (C.SOCK_CLOEXEC ?? 0);
    const sv = new Uint8Array(8);
    if (binder.socketpair(C.AF_UNIX, type, 0, sv) === -1) throw lastError(binder, "socketpair");
    const view = new DataView(sv.buffer);
    const fds = [view.getInt32(0, true), view.getInt32(4, true)] as const;
    try {
      for (const fd of fds) finishNewFd(binder, fd);
    } catch (error) {
      for (const fd of fds) binder.close(fd);
      throw error;
    }
    return [new LibcSocket(binder, fds[0], "unix", kind, true), new LibcSocket(binder, fds[1], "unix", kind, true)];
  }

  /** Whether {@link close} (or {@link detach}) was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The address family (read from the socket once for adopted fds). */
  get family(): SocketFamily {
    if (this.#family === undefined) {
      this.#check();
      let family: number;
      if (this.#C.SO_DOMAIN !== undefined) {
        family = getsockoptInt(this.binder, this.fd, this.#C.SOL_SOCKET, this.#C.SO_DOMAIN);
      } else {
        // macOS: getsockname reports the family even for an unbound socket.
        const sa = sockaddrScratch();
        sa.fill(0);
        if (this.binder.getsockname(this.fd, sa, socklen(sa.length)) === -1) throw lastError(this.binder, "getsockname");
        family = sockaddrFamily(this.#C, sa);
      }
      if (family === this.#C.AF_INET) this.#family = "inet";
      else if (family === this.#C.AF_INET6) this.#family = "inet6";
      else if (family === this.#C.AF_UNIX) this.#family = "unix";
      else throw systemError(this.binder.platform, this.#C.errno.EAFNOSUPPORT!, "getsockname");
    }
    return this.#family;
  }

  /** `"stream"` or `"dgram"` (read with SO_TYPE once for adopted fds). */
  get kind(): SocketKind {
    if (this.#kind === undefined) {
      this.#check();
      const type = getsockoptInt(this.binder, this.fd, this.#C.SOL_SOCKET, this.#C.SO_TYPE);
      if (type === this.#C.SOCK_STREAM) this.#kind = "stream";
      else if (type === this.#C.SOCK_DGRAM) this.#kind = "dgram";
      else throw systemError(this.binder.platform, this.#C.errno.ESOCKTNOSUPPORT!, "getsockopt");
    }
    return this.#kind;
  }

  /**
   * Sets or clears O_NONBLOCK and returns the previous state, so that an adopter can put a
   * refused fd back as it found it. Note that the flag belongs to the open file description,
   * which every process holding a duplicate of the fd shares.
   */
  setNonBlocking(on: boolean): boolean {
    this.#check();
    const was = setNonBlocking(this.binder, this.fd, on);
    this.#nonBlocking = on;
    return was;
  }

  /** Binds to `[host, port]` (IP) or a path (Unix; `""` autobinds to an abstract name on Linux). */
  bind(address: SocketAddress): void {
    this.#check();
    const sockaddr = this.#encode(address);
    if (this.binder.bind(this.fd, sockaddr, sockaddr.length) === -1) {
      throw lastError(this.binder, "bind", target(address));
    }
  }

  /** Starts listening. */
  listen(backlog = LISTEN_BACKLOG): void {
    this.#check();
    if (this.binder.listen(this.fd, backlog) === -1) throw lastError(this.binder, "listen");
  }

  /**
   * Connects; for a connect still in progress (EINPROGRESS), waits for writability and reports
   * SO_ERROR. On abort the socket is left half-connected: close it.
   */
  async connect(address: SocketAddress, options?: WaitOptions): Promise<void> {
    this.#check();
    this.#requireNonBlocking("connect");
    const sockaddr = this.#encode(address);
    if (this.binder.connect(this.fd, sockaddr, sockaddr.length) === 0) return;
    const errno = this.binder.errno();
    const E = this.#C.errno;
    // EINTR: POSIX says the connect goes on asynchronously, exactly as with EINPROGRESS.
    if (errno !== E.EINPROGRESS && errno !== E.EINTR) {
      throw systemError(this.binder.platform, errno, "connect", target(address));
    }
    await this.#reactor.waitWritable(this.fd, options);
    this.#check();
    const error = getsockoptInt(this.binder, this.fd, this.#C.SOL_SOCKET, this.#C.SO_ERROR);
    if (error !== 0) throw systemError(this.binder.platform, error, "connect", target(address));
  }

  /** Accepts a connection: `[socket, peer address]`; the new socket is non-blocking and close-on-exec. */
  async accept(options?: WaitOptions): Promise<[LibcSocket, SocketAddress]> {
    this.#requireNonBlocking("accept");
    const E = this.#C.errno;
    for (;;) {
      this.#check();
      const sa = sockaddrScratch();
      const length = socklen(sa.length);
      let fd: number;
      if (this.binder.accept4 !== undefined && this.#C.SOCK_NONBLOCK !== undefined) {
        fd = this.binder.accept4(this.fd, sa, length, this.#C.SOCK_NONBLOCK | (this.#C.SOCK_CLOEXEC ?? 0));
      } else {
        fd = this.binder.accept(this.fd, sa, length);
      }
      if (fd >= 0) {
        const peer = decodeSockaddr(this.#C, sa, socklenResult()).address;
        if (this.binder.accept4 === undefined || this.#C.SOCK_NONBLOCK === undefined) {
          try {
            finishNewFd(this.binder, fd);
          } catch (error) {
            this.binder.close(fd);
            throw error;
          }
        }
        const accepted = new LibcSocket(this.binder, fd, this.#family, "stream", true);
        if (this.#reactor.shouldYield()) await this.#reactor.nextTurn();
        return [accepted, peer];
      }
      const errno = this.binder.errno();
      // ECONNABORTED: that client gave up while queued; the next one may be fine.
      if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) await this.#reactor.waitReadable(this.fd, options);
      else if (errno !== E.EINTR && errno !== E.ECONNABORTED) throw systemError(this.binder.platform, errno, "accept");
    }
  }

  /**
   * Receives up to `maxBytes`. On a stream, an empty result means the peer closed (EOF); on a
   * datagram socket it is an empty datagram, and a longer datagram is cut to `maxBytes` (use
   * {@link recvfrom} to learn that it was).
   */
  async recv(maxBytes = 65536, options?: WaitOptions): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    for (;;) {
      const data = this.tryRecv(maxBytes);
      if (data !== undefined) {
        if (this.#reactor.shouldYield()) await this.#reactor.nextTurn();
        return data;
      }
      await this.#reactor.waitReadable(this.fd, options);
    }
  }

  /**
   * One non-blocking receive of up to `maxBytes`: the bytes (empty: end of stream, or an empty
   * datagram), or `undefined` when nothing is there (EAGAIN). Throws on errors and once closed.
   * For callers that answer at once when data is there and wait through the reactor otherwise.
   */
  tryRecv(maxBytes: number): Uint8Array | undefined {
    const buffer = receiveScratch(maxBytes);
    for (;;) {
      this.#check();
      const n = this.binder.recv(this.fd, buffer, maxBytes, this.#C.MSG_DONTWAIT);
      if (n >= 0) return buffer.slice(0, n); // a copy: the buffer is shared
      if (!this.#retryAfter("recv")) return undefined;
    }
  }

  /**
   * Receives one datagram (or stream bytes) with the sender's address. A datagram longer than
   * `maxBytes` is REPORTED: `truncated` is true and `data` holds its first `maxBytes` bytes (on
   * Linux `MSG_TRUNC` gives the real length; elsewhere one extra byte of buffer detects it).
   * An unnamed Unix sender's address is `""`.
   */
  async recvfrom(maxBytes = 65536, options?: WaitOptions): Promise<RecvFromResult> {
    checkMaxBytes(maxBytes);
    const datagram = this.kind === "dgram";
    const linux = this.binder.platform === "linux";
    // MSG_TRUNC on a Linux stream socket would DISCARD bytes, so it is for datagrams only.
    const flags = this.#C.MSG_DONTWAIT | (datagram && linux ? this.#C.MSG_TRUNC : 0);
    const room = datagram && !linux ? maxBytes + 1 : maxBytes;
    const buffer = receiveScratch(room);
    for (;;) {
      this.#check();
      const sa = sockaddrScratch();
      sa.fill(0, 0, 4);
      const length = socklen(sa.length);
      const n = this.binder.recvfrom(this.fd, buffer, room, flags, sa, length);
      if (n >= 0) {
        const result: RecvFromResult = [
          buffer.slice(0, Math.min(n, maxBytes)),
          this.#decodePeer(sa, socklenResult()),
          n > maxBytes,
        ];
        if (this.#reactor.shouldYield()) await this.#reactor.nextTurn();
        return result;
      }
      await this.#waitOrThrow("recvfrom", true, options);
    }
  }

  /** Sends; resolves to the number of bytes taken (a stream may take fewer than given). */
  async send(data: Uint8Array, options?: WaitOptions): Promise<number> {
    for (;;) {
      const n = this.trySend(data);
      if (n !== undefined) {
        if (this.#reactor.shouldYield()) await this.#reactor.nextTurn();
        return n;
      }
      await this.#reactor.waitWritable(this.fd, options);
    }
  }

  /**
   * One non-blocking send: the number of bytes taken, or `undefined` when there is no room
   * (EAGAIN). Throws on errors and once closed.
   */
  trySend(data: Uint8Array): number | undefined {
    for (;;) {
      this.#check();
      const n = this.binder.send(this.fd, data, data.length, this.#C.MSG_DONTWAIT | this.#C.MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (!this.#retryAfter("send")) return undefined;
    }
  }

  /** Sends every byte of `data` (streams), waiting for room as needed. */
  async sendAll(data: Uint8Array, options?: WaitOptions): Promise<void> {
    let offset = 0;
    do offset += await this.send(data.subarray(offset), options);
    while (offset < data.length);
  }

  /** Sends a datagram to `address`; resolves to the number of bytes sent. */
  async sendto(data: Uint8Array, address: SocketAddress, options?: WaitOptions): Promise<number> {
    this.#check();
    let sockaddr: Uint8Array;
    const last = this.#lastTo;
    if (last !== undefined && sameAddress(last.address, address)) {
      sockaddr = last.sockaddr;
    } else {
      sockaddr = this.#encode(address);
      // A copy: the caller may reuse (mutate) its array or tuple for the next peer (not slice(),
      // which is a view on a Node Buffer).
      const key: SocketAddress =
        typeof address === "string"
          ? address
          : address instanceof Uint8Array
            ? new Uint8Array(address)
            : [address[0], address[1]];
      this.#lastTo = { address: key, sockaddr };
    }
    const flags = this.#C.MSG_DONTWAIT | this.#C.MSG_NOSIGNAL;
    for (;;) {
      this.#check();
      const n = this.binder.sendto(this.fd, data, data.length, flags, sockaddr, sockaddr.length);
      if (n >= 0) {
        if (this.#reactor.shouldYield()) await this.#reactor.nextTurn();
        return n;
      }
      await this.#waitOrThrow("sendto", false, options, address);
    }
  }

  /**
   * Sends `data` (at least one byte) with the fds `fds` attached (SCM_RIGHTS) on a Unix socket;
   * resolves to the number of bytes sent (the fds travel with the first byte). The fds stay open
   * here: the receiver gets duplicates. Needs a binder with `sendmsg` and `addressOf`.
   */
  async sendFds(data: Uint8Array, fds: readonly number[], options?: WaitOptions): Promise<number> {
    if (data.length === 0) throw new RangeError("sendFds needs at least one byte of data");
    if (fds.length === 0) throw new RangeError("sendFds needs at least one fd");
    const binder = this.#msgBinder();
    const C = this.#C;
    const control = new Uint8Array(cmsgSpace(C, fds.length * 4));
    const controlView = new DataView(control.buffer);
    writeSize(C, controlView, 0, cmsgLength(C, fds.length * 4));
    const levelOffset = C.platform === "darwin" ? 4 : 8;
    controlView.setInt32(levelOffset, C.SOL_SOCKET, true);
    controlView.setInt32(levelOffset + 4, C.SCM_RIGHTS, true);
    for (const [i, fd] of fds.entries()) controlView.setInt32(C.CMSG_HEADER_SIZE + 4 * i, fd, true);
    const flags = C.MSG_DONTWAIT | C.MSG_NOSIGNAL;
    for (;;) {
      this.#check();
      const msg = buildMsghdr(C, binder, data, control);
      const n = binder.sendmsg(this.fd, msg.header, flags);
      keepAlive(msg.iov);
      if (n >= 0) return n;
      await this.#waitOrThrow("sendmsg", false, options);
    }
  }

  /**
   * Receives up to `maxBytes` and up to `maxFds` fds sent with SCM_RIGHTS: `[data, fds]`. The
   * received fds are close-on-exec and belong to the caller. Empty data means EOF (streams).
   * When more fds arrive than `maxFds`, the kernel discards the extra ones (MSG_CTRUNC): that is
   * reported with `FdsTruncated` (carrying the bytes), after closing the ones that did arrive.
   */
  async receiveFds(maxBytes: number, maxFds: number, options?: WaitOptions): Promise<[Uint8Array, number[]]> {
    checkMaxBytes(maxBytes);
    return this.receiveFdsInto(new Uint8Array(maxBytes), maxFds, options);
  }

  /**
   * {@link receiveFds} into a caller's buffer, which may be empty (a message of fds alone).
   * Resolves to a copy of the bytes received.
   */
  async receiveFdsInto(data: Uint8Array, maxFds: number, options?: WaitOptions): Promise<[Uint8Array, number[]]> {
    if (!Number.isInteger(maxFds) || maxFds < 1) throw new RangeError(`maxFds must be a positive integer, got ${maxFds}`);
    const binder = this.#msgBinder();
    const C = this.#C;
    const control = new Uint8Array(cmsgSpace(C, maxFds * 4));
    const flags = C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC;
    for (;;) {
      this.#check();
      control.fill(0);
      const msg = buildMsghdr(C, binder, data, control);
      const n = binder.recvmsg(this.fd, msg.header, flags);
      keepAlive(msg.iov);
      if (n >= 0) {
        const fds = parseRights(C, control, readSize(C, msg.view, C.MSGHDR.controllen));
        for (const fd of fds) if (C.MSG_CMSG_CLOEXEC === 0) setCloseOnExec(binder, fd);
        if ((msg.view.getInt32(C.MSGHDR.flags, true) & C.MSG_CTRUNC) !== 0) {
          for (const fd of fds) binder.close(fd);
          throw new FdsTruncated(data.slice(0, n), maxFds, fds.length);
        }
        return [data.slice(0, n), fds];
      }
      await this.#waitOrThrow("recvmsg", true, options);
    }
  }

  #msgBinder(): LibcBinder & Required<Pick<LibcBinder, "sendmsg" | "recvmsg" | "addressOf">> {
    const binder = this.binder;
    if (binder.sendmsg === undefined || binder.recvmsg === undefined || binder.addressOf === undefined) {
      throw new Error("this binder cannot pass fds: it lacks sendmsg/recvmsg/addressOf");
    }
    return binder as LibcBinder & Required<Pick<LibcBinder, "sendmsg" | "recvmsg" | "addressOf">>;
  }

  /** Shuts down one or both directions. */
  shutdown(how: "read" | "write" | "both"): void {
    this.#check();
    const value = how === "read" ? this.#C.SHUT_RD : how === "write" ? this.#C.SHUT_WR : this.#C.SHUT_RDWR;
    if (this.binder.shutdown(this.fd, value) === -1) throw lastError(this.binder, "shutdown");
  }

  /** The local address. */
  getsockname(): SocketAddress {
    this.#check();
    return getsockname(this.binder, this.fd).address;
  }

  /** The peer's address; throws a SystemError ENOTCONN without a peer. */
  getpeername(): SocketAddress {
    this.#check();
    return getpeername(this.binder, this.fd).address;
  }

  /** `getsockopt` of an int option. */
  getsockoptInt(level: number, name: number): number {
    this.#check();
    return getsockoptInt(this.binder, this.fd, level, name);
  }

  /** `setsockopt` of an int option. */
  setsockoptInt(level: number, name: number, value: number): void {
    this.#check();
    setsockoptInt(this.binder, this.fd, level, name, value);
  }

  /**
   * Closes the fd. Pending waits reject with `ClosedResourceError` first, and the fd is closed
   * only once no poll refers to it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reactor.notifyClosing(this.fd);
    if (this.binder.close(this.fd) === -1) {
      // EINTR still closes on Linux and macOS; anything else is a caller's bug worth reporting.
      const errno = this.binder.errno();
      if (errno !== this.#C.errno.EINTR) throw systemError(this.binder.platform, errno, "close");
    }
  }

  /**
   * Gives up ownership without closing: pending waits reject with `ClosedResourceError`, and the
   * fd, no longer watched, is returned for another owner (e.g. the runtime's own socket class).
   */
  async detach(): Promise<number> {
    this.#check();
    this.#closed = true;
    await this.#reactor.notifyClosing(this.fd);
    return this.fd;
  }

  /** Closes it when an `await using` block ends: the same as `aclose()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedResourceError();
  }

  #requireNonBlocking(syscall: string): void {
    if (this.#nonBlocking === undefined) {
      this.#check();
      const flags = this.binder.fcntl(this.fd, this.#C.F_GETFL, 0);
      if (flags === -1) throw lastError(this.binder, "fcntl");
      this.#nonBlocking = (flags & this.#C.O_NONBLOCK) !== 0;
    }
    // connect() and accept() take no MSG_DONTWAIT: on a blocking fd they would block the loop.
    if (!this.#nonBlocking) throw new Error(`${syscall} needs a non-blocking socket: call setNonBlocking(true) first`);
  }

  /** After a failed call: true to retry at once (EINTR), false to wait (EAGAIN); throws otherwise. */
  #retryAfter(syscall: string): boolean {
    const errno = this.binder.errno();
    const E = this.#C.errno;
    if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) return false;
    if (errno === E.EINTR) return true;
    throw systemError(this.binder.platform, errno, syscall);
  }

  async #waitOrThrow(syscall: string, read: boolean, options: WaitOptions | undefined, address?: SocketAddress): Promise<void> {
    const errno = this.binder.errno();
    const E = this.#C.errno;
    if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) {
      if (read) await this.#reactor.waitReadable(this.fd, options);
      else await this.#reactor.waitWritable(this.fd, options);
    } else if (errno !== E.EINTR) {
      throw systemError(this.binder.platform, errno, syscall, address === undefined ? undefined : target(address));
    }
  }

  #encode(address: SocketAddress): Uint8Array {
    const family = this.family;
    if (family === "unix") {
      if (typeof address !== "string" && !(address instanceof Uint8Array)) {
        throw new TypeError("a Unix socket address is a path (string or Uint8Array)");
      }
      return encodeUnixSockaddr(this.#C, address);
    }
    if (typeof address === "string" || address instanceof Uint8Array) {
      throw new TypeError("an IP socket address is [host, port]");
    }
    const zoneToIndex = this.binder.ifNameToIndex?.bind(this.binder);
    return encodeIpSockaddr(this.#C, family, address[0], address[1], zoneToIndex ? { zoneToIndex } : {});
  }

  #decodePeer(sa: Uint8Array, length: number): SocketAddress {
    // A datagram from an unnamed Unix socket comes with addrlen 0 on some systems: the family
    // field is then whatever was in the buffer, so do not decode it as an address.
    if (length < 2) return this.family === "unix" ? "" : ["", 0];
    return decodeSockaddr(this.#C, sa, length).address;
  }
}

const NON_EMPTY = new Uint8Array(1);

/** A `struct msghdr` with one iovec over `data` and `control` as the ancillary buffer. */
function buildMsghdr(
  C: SocketConstants,
  binder: Required<Pick<LibcBinder, "addressOf">>,
  data: Uint8Array,
  control: Uint8Array,
): { header: Uint8Array; view: DataView; iov: Uint8Array } {
  const iov = new Uint8Array(C.IOVEC_SIZE);
  const iovView = new DataView(iov.buffer);
  // An empty buffer may have no address of its own in some FFIs; the kernel reads none of it.
  iovView.setBigUint64(0, binder.addressOf(data.length > 0 ? data : NON_EMPTY), true);
  iovView.setBigUint64(8, BigInt(data.length), true);
  const header = new Uint8Array(C.MSGHDR.size);
  const view = new DataView(header.buffer);
  view.setBigUint64(C.MSGHDR.iov, binder.addressOf(iov), true);
  writeSize(C, view, C.MSGHDR.iovlen, 1);
  view.setBigUint64(C.MSGHDR.control, binder.addressOf(control), true);
  writeSize(C, view, C.MSGHDR.controllen, control.length);
  // `iov` is returned so that it stays reachable until the call that reads the header returns.
  return { header, view, iov };
}

/**
 * Buffers whose addresses sit inside a msghdr are reachable only through those raw addresses
 * during the call; a store into a module variable keeps the engine from treating them as dead.
 */
let _keptAlive: unknown;
function keepAlive(value: unknown): void {
  _keptAlive = value;
}

// msg_iovlen, msg_controllen and cmsg_len are size_t on Linux and 32-bit on macOS.
function writeSize(C: SocketConstants, view: DataView, offset: number, value: number): void {
  if (C.platform === "linux") view.setBigUint64(offset, BigInt(value), true);
  else view.setUint32(offset, value, true);
}

function readSize(C: SocketConstants, view: DataView, offset: number): number {
  return C.platform === "linux" ? Number(view.getBigUint64(offset, true)) : view.getUint32(offset, true);
}

const align = (C: SocketConstants, n: number): number => Math.ceil(n / C.CMSG_ALIGN) * C.CMSG_ALIGN;
/** `CMSG_SPACE(n)`: room for a cmsg with `n` data bytes, padding included. */
const cmsgSpace = (C: SocketConstants, n: number): number => C.CMSG_HEADER_SIZE + align(C, n);
/** `CMSG_LEN(n)`: the `cmsg_len` of a cmsg with `n` data bytes. */
const cmsgLength = (C: SocketConstants, n: number): number => C.CMSG_HEADER_SIZE + n;

/** The fds of every SCM_RIGHTS message in the first `length` bytes of `control`. */
function parseRights(C: SocketConstants, control: Uint8Array, length: number): number[] {
  const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
  const levelOffset = C.platform === "darwin" ? 4 : 8;
  const fds: number[] = [];
  let offset = 0;
  while (offset + C.CMSG_HEADER_SIZE <= length) {
    const cmsgLen = readSize(C, view, offset);
    if (cmsgLen < C.CMSG_HEADER_SIZE) break;
    const level = view.getInt32(offset + levelOffset, true);
    const type = view.getInt32(offset + levelOffset + 4, true);
    if (level === C.SOL_SOCKET && type === C.SCM_RIGHTS) {
      const end = Math.min(offset + cmsgLen, length);
      for (let p = offset + C.CMSG_HEADER_SIZE; p + 4 <= end; p += 4) fds.push(view.getInt32(p, true));
    }
    offset += align(C, cmsgLen);
  }
  return fds;
}

function familyNumber(C: SocketConstants, family: SocketFamily): number {
  return family === "inet" ? C.AF_INET : family === "inet6" ? C.AF_INET6 : C.AF_UNIX;
}

/** What Linux's SOCK_NONBLOCK / SOCK_CLOEXEC / MSG_NOSIGNAL do atomically, done by hand elsewhere. */
function finishNewFd(binder: LibcBinder, fd: number): void {
  const C = constantsFor(binder.platform);
  if (C.SOCK_NONBLOCK === undefined) setNonBlocking(binder, fd, true);
  if (C.SOCK_CLOEXEC === undefined) setCloseOnExec(binder, fd);
  if (C.SO_NOSIGPIPE !== undefined) setsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_NOSIGPIPE, 1);
}

function checkMaxBytes(maxBytes: number): void {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
}

function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((byte, i) => byte === b[i]);
  }
  return a[0] === b[0] && a[1] === b[1];
}

function target(address: SocketAddress): SystemErrorTarget {
  if (typeof address === "string" || address instanceof Uint8Array) return { path: address };
  return { address: address[0], port: address[1] };
}
