/**
 * The Bun binder of `@portio/libc-socket`: libc through `bun:ffi` (no flag needed). libc is
 * opened on the first call, not at import, so programs that never need a libc socket (Unix
 * datagrams, socketpair, state detection, binding before connect) never load it.
 *
 * `bun:ffi` has no asynchronous calls, so {@link LibcBinder.pollAsync} hands poll(2) to one
 * Worker (see `poll-worker.ts`) that blocks in it and hands the result back through shared memory. The reactor keeps at
 * most one poll outstanding and tries a zero-timeout poll on the JS thread first, so the Worker
 * round trip is paid only when the reactor really has to wait.
 *
 * @module
 */

import { dlopen, FFIType, ptr, read } from "bun:ffi";
import type { LibcBinder } from "@portio/libc-socket";
import { POLL_COMMAND_RELOAD, POLL_CONTROL, POLL_FDS_OFFSET, POLL_WORKER_SOURCE } from "./poll-worker.ts";

const platform: "linux" | "darwin" = process.platform === "darwin" ? "darwin" : "linux";
const library = platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
const errnoSymbol = platform === "darwin" ? "__error" : "__errno_location";

const { i32, u32, u64, i64, ptr: P, cstring } = FFIType;

/** Every libc function the binder maps, in bun:ffi's notation. */
function definitions() {
  return {
    socket: { args: [i32, i32, i32], returns: i32 },
    socketpair: { args: [i32, i32, i32, P], returns: i32 },
    bind: { args: [i32, P, u32], returns: i32 },
    connect: { args: [i32, P, u32], returns: i32 },
    listen: { args: [i32, i32], returns: i32 },
    accept: { args: [i32, P, P], returns: i32 },
    getsockopt: { args: [i32, i32, i32, P, P], returns: i32 },
    setsockopt: { args: [i32, i32, i32, P, u32], returns: i32 },
    getsockname: { args: [i32, P, P], returns: i32 },
    getpeername: { args: [i32, P, P], returns: i32 },
    recv: { args: [i32, P, u64, i32], returns: i64 },
    send: { args: [i32, P, u64, i32], returns: i64 },
    recvfrom: { args: [i32, P, u64, i32, P, P], returns: i64 },
    sendto: { args: [i32, P, u64, i32, P, u32], returns: i64 },
    recvmsg: { args: [i32, P, i32], returns: i64 },
    sendmsg: { args: [i32, P, i32], returns: i64 },
    shutdown: { args: [i32, i32], returns: i32 },
    fchmod: { args: [i32, u32], returns: i32 },
    close: { args: [i32], returns: i32 },
    // Variadic in C; on x86-64 and arm64 Linux an int travels like a fixed argument. (macOS
    // arm64 would need the padding trick described in libc-socket's README.)
    fcntl: { args: [i32, i32, i32], returns: i32 },
    pipe: { args: [P], returns: i32 },
    read: { args: [i32, P, u64], returns: i64 },
    write: { args: [i32, P, u64], returns: i64 },
    if_nametoindex: { args: [cstring], returns: u32 },
    poll: { args: [P, u64, i32], returns: i32 },
    [errnoSymbol]: { args: [], returns: P },
    ...(platform === "linux"
      ? {
          accept4: { args: [i32, P, P, i32], returns: i32 },
          eventfd: { args: [u32, i32], returns: i32 },
        }
      : {}),
  } as const;
}

type Symbols = Record<string, (...args: unknown[]) => number | bigint>;

/** A pending poll on the Worker. */
interface PendingPoll {
  pollfds: Uint8Array;
  nfds: number;
  resolve(result: number): void;
  reject(error: unknown): void;
}

type RefWorker = Worker & { ref(): void; unref(): void };

const { REQUEST, DONE, RESULT, NFDS, TIMEOUT, COMMAND } = POLL_CONTROL;

/** `Atomics.waitAsync` (ES2024, which Bun has), typed here because this package's lib is ES2022. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array<ArrayBufferLike>, index: number, value: number): { async: boolean; value: unknown };
  }
).waitAsync;

/**
 * The Worker running blocking polls, one at a time (the reactor never has two outstanding),
 * driven through a SharedArrayBuffer (see `poll-worker.ts`). It is `unref`-ed while idle so that
 * it never keeps the process alive by itself; while a poll is pending it is `ref`-ed, because a
 * pending wait for I/O should keep the process alive as any pending socket read does.
 */
class PollThread {
  #worker: RefWorker | undefined;
  #pending: PendingPoll | undefined;
  #control: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #fds: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #request = 0;

  poll(pollfds: Uint8Array, nfds: number, timeoutMs: number): Promise<number> {
    if (this.#pending !== undefined) return Promise.reject(new Error("bun:ffi binder: a poll is already pending"));
    const worker = this.#start();
    const size = nfds * 8;
    if (this.#control.length === 0 || this.#fds.length < size) this.#grow(worker, size);
    return new Promise<number>((resolve, reject) => {
      const pending: PendingPoll = { pollfds, nfds, resolve, reject };
      this.#pending = pending;
      this.#fds.set(pollfds.subarray(0, size));
      const control = this.#control;
      control[NFDS] = nfds;
      control[TIMEOUT] = timeoutMs;
      const request = ++this.#request;
      worker.ref();
      Atomics.store(control, REQUEST, request);
      Atomics.notify(control, REQUEST);
      void this.#whenDone(pending, request);
    });
  }

  async #whenDone(pending: PendingPoll, request: number): Promise<void> {
    const control = this.#control;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done === request) break;
      const wait = waitAsync(control, DONE, done);
      if (wait.async) await wait.value;
      // The worker failed meanwhile (onerror settled the poll): stop watching.
      if (this.#pending !== pending) return;
    }
    this.#pending = undefined;
    this.#worker?.unref();
    // The revents go back into the caller's array, which the reactor reads after resolving.
    pending.pollfds.set(this.#fds.subarray(0, pending.nfds * 8));
    pending.resolve(Atomics.load(control, RESULT));
  }

  /**
   * A larger shared buffer: the worker, idle in its wait loop, is told to leave it and take the
   * buffer from the message posted first.
   */
  #grow(worker: RefWorker, size: number): void {
    const capacity = Math.max(size, 2 * this.#fds.length, 64 * 8);
    const buffer = new SharedArrayBuffer(POLL_FDS_OFFSET + capacity);
    const old = this.#control;
    worker.postMessage({ buffer, library, errnoSymbol });
    if (old.length > 0) {
      old[COMMAND] = POLL_COMMAND_RELOAD;
      Atomics.store(old, REQUEST, ++this.#request);
      Atomics.notify(old, REQUEST);
    }
    this.#control = new Int32Array(buffer, 0, POLL_FDS_OFFSET / 4);
    this.#fds = new Uint8Array(buffer, POLL_FDS_OFFSET);
    // The new buffer's counters start at zero, as the worker's do for it.
    this.#request = 0;
  }

  #start(): RefWorker {
    if (this.#worker !== undefined) return this.#worker;
    const url = URL.createObjectURL(new Blob([POLL_WORKER_SOURCE], { type: "application/javascript" }));
    const worker = new Worker(url) as RefWorker;
    worker.unref();
    worker.onerror = (event) => {
      const pending = this.#pending;
      this.#pending = undefined;
      this.#worker = undefined;
      this.#control = new Int32Array(0);
      this.#fds = new Uint8Array(0);
      worker.terminate();
      pending?.reject(new Error(`bun:ffi binder: the poll worker failed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }
}

/**
 * A new bun:ffi-backed {@link LibcBinder}. Prefer {@link getBunFfiBinder}: the readiness reactor
 * is per binder, and one reactor (one outstanding poll, one Worker) per process is the point.
 *
 * @example
 * ```ts
 * import { LibcSocket } from "@portio/libc-socket";
 * const [a, b] = LibcSocket.socketpair(getBunFfiBinder(), "dgram");
 * ```
 */
export function createBunFfiBinder(): LibcBinder {
  let symbols: Symbols | undefined;
  const s = (): Symbols => (symbols ??= dlopen(library, definitions()).symbols as unknown as Symbols);
  const call = (name: string, ...args: unknown[]): number => Number(s()[name]!(...args));
  const pollThread = new PollThread();
  return {
    platform,
    errno: () => read.i32(s()[errnoSymbol]!() as never, 0),
    socket: (domain, type, protocol) => call("socket", domain, type, protocol),
    socketpair: (domain, type, protocol, sv) => call("socketpair", domain, type, protocol, sv),
    bind: (fd, addr, addrlen) => call("bind", fd, addr, addrlen),
    connect: (fd, addr, addrlen) => call("connect", fd, addr, addrlen),
    listen: (fd, backlog) => call("listen", fd, backlog),
    accept: (fd, addr, addrlen) => call("accept", fd, addr, addrlen),
    ...(platform === "linux"
      ? {
          accept4: (fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null, flags: number) =>
            call("accept4", fd, addr, addrlen, flags),
          eventfd: (initval: number, flags: number) => call("eventfd", initval, flags),
        }
      : {}),
    getsockopt: (fd, level, name, optval, optlen) => call("getsockopt", fd, level, name, optval, optlen),
    setsockopt: (fd, level, name, optval, optlen) => call("setsockopt", fd, level, name, optval, optlen),
    getsockname: (fd, addr, addrlen) => call("getsockname", fd, addr, addrlen),
    getpeername: (fd, addr, addrlen) => call("getpeername", fd, addr, addrlen),
    recv: (fd, buf, len, flags) => call("recv", fd, buf, len, flags),
    send: (fd, buf, len, flags) => call("send", fd, buf, len, flags),
    recvfrom: (fd, buf, len, flags, addr, addrlen) => call("recvfrom", fd, buf, len, flags, addr, addrlen),
    sendto: (fd, buf, len, flags, addr, addrlen) => call("sendto", fd, buf, len, flags, addr, addrlen),
    recvmsg: (fd, msg, flags) => call("recvmsg", fd, msg, flags),
    sendmsg: (fd, msg, flags) => call("sendmsg", fd, msg, flags),
    addressOf: (buf) => BigInt(ptr(buf)),
    shutdown: (fd, how) => call("shutdown", fd, how),
    fchmod: (fd, mode) => call("fchmod", fd, mode),
    close: (fd) => call("close", fd),
    fcntl: (fd, cmd, arg) => call("fcntl", fd, cmd, arg),
    pipe: (fds) => call("pipe", fds),
    read: (fd, buf, len) => call("read", fd, buf, len),
    write: (fd, buf, len) => call("write", fd, buf, len),
    ifNameToIndex: (name) => call("if_nametoindex", Buffer.from(`${name}\0`)),
    poll: (pollfds, nfds, timeoutMs) => call("poll", pollfds, nfds, timeoutMs),
    pollAsync: (pollfds, nfds, timeoutMs) => pollThread.poll(pollfds, nfds, timeoutMs),
    nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
    onExit: (callback) => {
      process.once("exit", callback);
    },
  };
}

let shared: LibcBinder | undefined;

/** The process-wide bun:ffi binder (libc itself still opens only on first use). */
export function getBunFfiBinder(): LibcBinder {
  return (shared ??= createBunFfiBinder());
}
