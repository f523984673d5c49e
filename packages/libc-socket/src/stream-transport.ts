/**
 * Core's `StreamTransport` over a Unix stream {@link LibcSocket}: the path every backend uses for
 * the Unix streams it makes, because it is the only one that can pass file descriptors safely.
 *
 * Why not the runtime's own stream (node:net, Bun sockets, Deno conns): they read ahead into
 * their own buffers with plain `read(2)`. When that read-ahead meets bytes that carry fds
 * (SCM_RIGHTS), the kernel closes the fds, since a plain read asks for no control data — the
 * fds are gone before the application could call `receiveFds`. Here nothing is read before a
 * caller asks, and never more than it asks for, so a `receiveFds` always meets its fds.
 *
 * @module
 */

import { ClosedResourceError } from "@portio/core";
import type { AddressFamily, SocketAddress } from "@portio/core";
import type { StreamTransport } from "@portio/core/backend";
import type { LibcBinder } from "./binder.ts";
import { constantsFor } from "./constants.ts";
import { lastError } from "./errno.ts";
import { getReactor, type Reactor } from "./reactor.ts";
import { LibcSocket } from "./socket.ts";

/** A read at least this large suggests a stream in bulk flow (see `#recvFirst`). */
const BULK_READ = 16384;

/** How a {@link LibcStreamTransport} describes its socket; names not given are asked lazily. */
export interface LibcStreamTransportOptions {
  /** The socket's own address as portio reports it (else asked from the kernel). */
  localAddress?: SocketAddress;
  /** The peer's address as portio reports it (else asked from the kernel). */
  remoteAddress?: SocketAddress;
}

/**
 * A connected Unix stream over libc, with fd passing. Reads are exact (`read(maxBytes, signal)`
 * consumes at most `maxBytes` and nothing at all when the signal aborts), so core reads exactly
 * what each `receive` asks for and leaves the rest, fds included, in the kernel.
 *
 * @example
 * ```ts
 * const [a, b] = libcStreamSocketpair(binder);
 * await a.sendFds(new TextEncoder().encode("x"), [someFd]);
 * const [data, fds] = await b.receiveFds(1, 1);
 * ```
 */
export class LibcStreamTransport implements StreamTransport {
  readonly family: AddressFamily = "unix";
  readonly exactReads = true;
  readonly #socket: LibcSocket;
  readonly #reactor: Reactor;
  #localAddress: SocketAddress | undefined;
  #remoteAddress: SocketAddress | undefined;
  /** Aborted by `close()`, so a pending `receiveFds` settles at once while a write may still flush. */
  readonly #stop = new AbortController();
  #pendingWrite: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** Drives `socket` (a connected AF_UNIX stream socket), which it owns from now on. */
  constructor(socket: LibcSocket, options: LibcStreamTransportOptions = {}) {
    if (socket.kind !== "stream" || socket.family !== "unix") {
      throw new TypeError("LibcStreamTransport needs an AF_UNIX SOCK_STREAM socket");
    }
    this.#socket = socket;
    this.#reactor = getReactor(socket.binder);
    this.#localAddress = options.localAddress;
    this.#remoteAddress = options.remoteAddress;
  }

  get fd(): number | undefined {
    return this.#closing === undefined ? this.#socket.fd : undefined;
  }

  localAddress(): SocketAddress {
    return (this.#localAddress ??= this.#socket.getsockname());
  }

  remoteAddress(): SocketAddress {
    return (this.#remoteAddress ??= this.#socket.getpeername());
  }

  /**
   * Whether the next read calls `recv` before waiting. A read that found the socket empty turns
   * it off: in a request/response exchange the socket is empty when asked, and the reactor's
   * poll (made anyway while anything waits, and covering every waiting fd in one syscall) then
   * finds the reply, so the `recv` that would have failed with EAGAIN is saved (a syscall, 2 µs
   * on the test VM). A read after a wait turns it back on only when it filled its request
   * (a shorter one emptied the socket) and either was large (a stream in bulk flow, whose next
   * chunk is usually there already) or ended at the reactor's first poll (the bytes were there,
   * or nearly, when it asked).
   */
  #recvFirst = true;

  /**
   * Bytes already in the kernel are returned without an async frame or extra promise step (a
   * bulk reader's next chunk usually is there by the time it is asked for); only an empty
   * socket waits.
   */
  read(maxBytes = 65536, signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedResourceError());
    if (this.#recvFirst) {
      let data: Uint8Array | undefined;
      try {
        data = this.#socket.tryRecv(maxBytes);
      } catch (error) {
        return Promise.reject(error);
      }
      if (data !== undefined) return this.#reactor.completedWithoutWaiting(data.length === 0 ? null : data);
      this.#recvFirst = false;
    }
    return this.#readWaiting(maxBytes, signal);
  }

  /**
   * Waits without an abort listener of its own: `close()` rejects the wait through
   * {@link Reactor.rejectReaders} (a listener added and removed per wait cost about 4 % of an
   * in-process ping-pong's CPU on Node).
   */
  async #readWaiting(maxBytes: number, signal: AbortSignal | undefined): Promise<Uint8Array | null> {
    const options = signal === undefined ? undefined : { signal };
    for (;;) {
      if (this.#closing !== undefined) throw new ClosedResourceError();
      const polls = this.#reactor.pollCount;
      await this.#reactor.waitReadable(this.#socket.fd, options);
      const data = this.#socket.tryRecv(maxBytes);
      if (data !== undefined) {
        this.#recvFirst = data.length === maxBytes && (data.length >= BULK_READ || this.#reactor.pollCount - polls <= 1);
        return this.#reactor.completedWithoutWaiting(data.length === 0 ? null : data);
      }
    }
  }

  write(data: Uint8Array): Promise<void> {
    let sent: number | undefined;
    try {
      sent = this.#socket.trySend(data);
    } catch (error) {
      return Promise.reject(error);
    }
    if (sent === data.length) return this.#reactor.completedWithoutWaiting(undefined);
    const write = this.#writeWaiting(data.subarray(sent ?? 0));
    this.#pendingWrite = write;
    return write.finally(() => {
      if (this.#pendingWrite === write) this.#pendingWrite = undefined;
    });
  }

  /** The rest of a write the kernel had no room for: waits for room first (it just said EAGAIN). */
  async #writeWaiting(rest: Uint8Array): Promise<void> {
    await this.#reactor.waitWritable(this.#socket.fd);
    await this.#socket.sendAll(rest);
  }

  async shutdownWrite(): Promise<void> {
    this.#socket.shutdown("write");
  }

  close(flushTimeoutMs: number): Promise<void> {
    return (this.#closing ??= this.#close(flushTimeoutMs));
  }

  /**
   * Sends `message` with `fds` attached to its first byte. Every fd is checked first, so a closed
   * one is a `TypeError` (code `EBADF`) before anything is sent. The fds stay the caller's.
   */
  async sendFds(message: Uint8Array, fds: readonly number[], signal?: AbortSignal): Promise<void> {
    const binder = this.#socket.binder;
    const C = constantsFor(binder.platform);
    fds.forEach((fd, index) => {
      if (binder.fcntl(fd, C.F_GETFD, 0) === -1) {
        const cause = lastError(binder, "fcntl");
        throw Object.assign(new TypeError(`fds[${index}] (${fd}) is not an open file descriptor`, { cause }), { code: "EBADF" });
      }
    });
    const options = signal ? { signal } : undefined;
    // The fds travel with the first sendmsg; whatever it did not take goes as plain bytes.
    const sent = await this.#socket.sendFds(message, fds, options);
    if (sent < message.length) await this.#socket.sendAll(message.subarray(sent), options);
  }

  /**
   * Receives up to `msglen` bytes and the fds that came with them (close-on-exec, the caller's).
   * `null` at end of stream. More fds than `maxfds` reject with `FdsTruncated`.
   */
  async receiveFds(msglen: number, maxfds: number, signal?: AbortSignal): Promise<[Uint8Array, number[]] | null> {
    const [data, fds] = await this.#socket.receiveFdsInto(new Uint8Array(msglen), maxfds, { signal: this.#readSignal(signal) });
    return data.length === 0 && fds.length === 0 ? null : [data, fds];
  }

  #readSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.#stop.signal : AbortSignal.any([signal, this.#stop.signal]);
  }

  async #close(flushTimeoutMs: number): Promise<void> {
    this.#stop.abort(new ClosedResourceError());
    this.#reactor.rejectReaders(this.#socket.fd, new ClosedResourceError());
    const write = this.#pendingWrite;
    if (write !== undefined && flushTimeoutMs > 0) {
      // Bytes sent earlier are already in the kernel; only a write still waiting for room has
      // bytes here, and it gets a bounded chance to hand them over.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([write.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, flushTimeoutMs)))]);
      clearTimeout(timer);
    }
    await this.#socket.close();
  }
}

/**
 * Wraps a connected Unix stream fd (already non-blocking and close-on-exec, or made so here).
 * The transport owns the fd from then on.
 *
 * @example
 * ```ts
 * const transport = libcStreamFromFd(binder, fd, { localAddress: "", remoteAddress: "/run/app.sock" });
 * ```
 */
export function libcStreamFromFd(binder: LibcBinder, fd: number, options: LibcStreamTransportOptions = {}): LibcStreamTransport {
  const socket = LibcSocket.fromFd(binder, fd);
  socket.setNonBlocking(true);
  return new LibcStreamTransport(socket, options);
}

/**
 * A connected pair of Unix stream sockets as libc transports (both unnamed: `""`).
 *
 * @example
 * ```ts
 * const [a, b] = libcStreamSocketpair(binder);
 * ```
 */
export function libcStreamSocketpair(binder: LibcBinder): [LibcStreamTransport, LibcStreamTransport] {
  const [a, b] = LibcSocket.socketpair(binder, "stream");
  const options = { localAddress: "", remoteAddress: "" };
  return [new LibcStreamTransport(a, options), new LibcStreamTransport(b, options)];
}

/**
 * Connects a new Unix stream socket to `path` (a path or an abstract name). The error of a failed
 * connect comes through with its `code` (`ENOENT`, `ECONNREFUSED`, ...). `remoteAddress` is what
 * the stream reports as its peer (default: `path`).
 *
 * @example
 * ```ts
 * const transport = await libcConnectUnix(binder, "/run/app.sock");
 * ```
 */
export async function libcConnectUnix(
  binder: LibcBinder,
  path: string | Uint8Array,
  signal?: AbortSignal,
  remoteAddress: SocketAddress = path,
): Promise<LibcStreamTransport> {
  const socket = LibcSocket.create(binder, "unix", "stream");
  try {
    await socket.connect(path, signal ? { signal } : undefined);
    return new LibcStreamTransport(socket, { localAddress: "", remoteAddress });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/**
 * Takes over a connected Unix stream fd that a runtime object holds, without the runtime ever
 * reading from it: the fd is duplicated (close-on-exec), then `release` lets the runtime close
 * its copy. Used for connections a runtime's listener accepted.
 *
 * @example
 * ```ts
 * const transport = libcStreamFromDuplicate(binder, socket._handle.fd, () => socket.destroy(), { localAddress });
 * ```
 */
export function libcStreamFromDuplicate(
  binder: LibcBinder,
  fd: number,
  release: () => void,
  options: LibcStreamTransportOptions = {},
): LibcStreamTransport {
  const C = constantsFor(binder.platform);
  const copy = binder.fcntl(fd, C.F_DUPFD_CLOEXEC, 0);
  if (copy === -1) {
    const error = lastError(binder, "fcntl");
    release();
    throw error;
  }
  release();
  try {
    return libcStreamFromFd(binder, copy, options);
  } catch (error) {
    binder.close(copy);
    throw error;
  }
}
