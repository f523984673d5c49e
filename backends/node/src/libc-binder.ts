/**
 * The Node binder of `@portio/libc-socket`: libc through koffi. koffi is loaded on the first
 * call, not at import, so that programs which never need a libc socket (Unix datagrams,
 * adoption of fds that node:net and node:dgram cannot take, state detection) never load it.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import type { LibcBinder } from "@portio/libc-socket";

type Koffi = typeof import("koffi");
/** koffi's uv_poll handle (its typings give the call-back one argument; it gets status first). */
interface PollHandle {
  start(
    options: { readable: boolean; writable: boolean },
    callback: (status: number, events: { readable: boolean; writable: boolean }) => void,
  ): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}
// koffi's declared function type has loose `any` signatures; these are the shapes used here.
type CFunction = ((...args: unknown[]) => number) & {
  async: (...args: unknown[]) => void;
};

interface Bound {
  koffi: Koffi;
  fn: Record<string, CFunction>;
  /** fcntl is variadic: macOS arm64 passes variadic arguments on the stack, so it is declared so there. */
  fcntl: (fd: number, cmd: number, arg: number) => number;
}

const platform: "linux" | "darwin" = process.platform === "darwin" ? "darwin" : "linux";

const LINUX_FUNCTIONS = [
  "int socket(int, int, int)",
  "int socketpair(int, int, int, void *)",
  "int bind(int, void *, uint32_t)",
  "int connect(int, void *, uint32_t)",
  "int listen(int, int)",
  "int accept(int, void *, void *)",
  "int getsockopt(int, int, int, void *, void *)",
  "int setsockopt(int, int, int, void *, uint32_t)",
  "int getsockname(int, void *, void *)",
  "int getpeername(int, void *, void *)",
  "intptr_t recv(int, void *, size_t, int)",
  "intptr_t send(int, void *, size_t, int)",
  "intptr_t recvfrom(int, void *, size_t, int, void *, void *)",
  "intptr_t sendto(int, void *, size_t, int, void *, uint32_t)",
  "intptr_t recvmsg(int, void *, int)",
  "intptr_t sendmsg(int, void *, int)",
  "int shutdown(int, int)",
  "int fchmod(int, uint32_t)",
  "int close(int)",
  "int pipe(void *)",
  "intptr_t read(int, void *, size_t)",
  "intptr_t write(int, void *, size_t)",
  "unsigned int if_nametoindex(const char *)",
];

function load(): Bound {
  if (process.platform !== "linux" && process.platform !== "darwin") {
    throw new Error(`portio's libc sockets support Linux and macOS, not ${process.platform}`);
  }
  // A lazy require rather than a top-level import: see the module comment.
  // Loaded by its real path: koffi finds its native part relative to its own directory, and a
  // symlinked path (pnpm's node_modules) that some loaders keep unresolved would miss it.
  const require = createRequire(import.meta.url);
  const koffi = require(realpathSync(require.resolve("koffi"))) as Koffi;
  const lib = platform === "darwin" ? koffi.load("libSystem.B.dylib") : openLinuxLibc(koffi);
  const fn: Record<string, CFunction> = {};
  const declare = (definition: string): void => {
    const name = /(\w+)\(/.exec(definition)![1]!;
    fn[name] = lib.func(definition) as unknown as CFunction;
  };
  for (const definition of LINUX_FUNCTIONS) declare(definition);
  if (platform === "linux") {
    declare("int accept4(int, void *, void *, int)");
    declare("int eventfd(unsigned int, int)");
    declare("int poll(void *, unsigned long, int)"); // nfds_t is unsigned long on Linux
    // On x86-64 and arm64 Linux a variadic int argument travels like a fixed one.
    declare("int fcntl(int, int, int)");
    const fcntl = fn.fcntl!;
    return { koffi, fn, fcntl: (fd, cmd, arg) => fcntl(fd, cmd, arg) };
  }
  declare("int poll(void *, unsigned int, int)"); // nfds_t is unsigned int on macOS
  const fcntl = lib.func("int fcntl(int, int, ...)") as unknown as CFunction;
  return { koffi, fn, fcntl: (fd, cmd, arg) => fcntl(fd, cmd, "int", arg) };
}

function openLinuxLibc(koffi: Koffi): ReturnType<Koffi["load"]> {
  try {
    return koffi.load("libc.so.6"); // glibc
  } catch {
    // musl and others: the process's own global symbols include libc's.
    return koffi.load(null);
  }
}

/**
 * A new koffi-backed {@link LibcBinder}. Prefer {@link getKoffiBinder}: the readiness reactor is
 * per binder, and one reactor (one outstanding poll) per process is the point.
 *
 * @example
 * ```ts
 * import { LibcSocket } from "@portio/libc-socket";
 * const [a, b] = LibcSocket.socketpair(getKoffiBinder(), "dgram");
 * ```
 */
export function createKoffiBinder(): LibcBinder {
  let bound: Bound | undefined;
  const b = (): Bound => (bound ??= load());
  const f = (name: string): CFunction => b().fn[name]!;
  return {
    platform,
    errno: () => b().koffi.errno(),
    socket: (domain, type, protocol) => f("socket")(domain, type, protocol),
    socketpair: (domain, type, protocol, sv) => f("socketpair")(domain, type, protocol, sv),
    bind: (fd, addr, addrlen) => f("bind")(fd, addr, addrlen),
    connect: (fd, addr, addrlen) => f("connect")(fd, addr, addrlen),
    listen: (fd, backlog) => f("listen")(fd, backlog),
    accept: (fd, addr, addrlen) => f("accept")(fd, addr, addrlen),
    ...(platform === "linux"
      ? {
          accept4: (fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null, flags: number) =>
            f("accept4")(fd, addr, addrlen, flags),
          eventfd: (initval: number, flags: number) => f("eventfd")(initval, flags),
        }
      : {}),
    getsockopt: (fd, level, name, optval, optlen) => f("getsockopt")(fd, level, name, optval, optlen),
    setsockopt: (fd, level, name, optval, optlen) => f("setsockopt")(fd, level, name, optval, optlen),
    getsockname: (fd, addr, addrlen) => f("getsockname")(fd, addr, addrlen),
    getpeername: (fd, addr, addrlen) => f("getpeername")(fd, addr, addrlen),
    recv: (fd, buf, len, flags) => Number(f("recv")(fd, buf, len, flags)),
    send: (fd, buf, len, flags) => Number(f("send")(fd, buf, len, flags)),
    recvfrom: (fd, buf, len, flags, addr, addrlen) => Number(f("recvfrom")(fd, buf, len, flags, addr, addrlen)),
    sendto: (fd, buf, len, flags, addr, addrlen) => Number(f("sendto")(fd, buf, len, flags, addr, addrlen)),
    recvmsg: (fd, msg, flags) => Number(f("recvmsg")(fd, msg, flags)),
    sendmsg: (fd, msg, flags) => Number(f("sendmsg")(fd, msg, flags)),
    addressOf: (buf) => BigInt(b().koffi.address(buf)),
    shutdown: (fd, how) => f("shutdown")(fd, how),
    fchmod: (fd, mode) => f("fchmod")(fd, mode),
    close: (fd) => f("close")(fd),
    fcntl: (fd, cmd, arg) => b().fcntl(fd, cmd, arg),
    pipe: (fds) => f("pipe")(fds),
    read: (fd, buf, len) => Number(f("read")(fd, buf, len)),
    write: (fd, buf, len) => Number(f("write")(fd, buf, len)),
    ifNameToIndex: (name) => f("if_nametoindex")(name),
    poll: (pollfds, nfds, timeoutMs) => f("poll")(pollfds, nfds, timeoutMs),
    pollAsync: (pollfds, nfds, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const { koffi } = b();
        // The raw address, not the typed array: with the typed array, a minimal repro (poll on an
        // eventfd, woken, then process.exit() from a timer) crashed Node 24 at exit in about half
        // the runs (heap corruption in koffi's completion during teardown); with the address it
        // never did, on Node 20 or 24. The kernel then writes revents straight into `pollfds`,
        // which this closure keeps alive; koffi.address pins an on-heap typed array off-heap.
        const address = koffi.address(pollfds);
        f("poll").async(address, nfds, timeoutMs, (error: unknown, result: number) => {
          if (error) reject(error);
          // koffi restores the worker thread's errno while this callback runs.
          else resolve(result < 0 ? -koffi.errno() : result);
          void pollfds.length; // keeps the buffer reachable until the call is over
        });
      }),
    watch: (fd, onReady) => {
      const { koffi } = b();
      // koffi.node.poll: a uv_poll handle on Node's own loop (koffi 3; the pinned version's API).
      let handle: PollHandle | undefined;
      let referenced = true;
      const callback = (status: number, events: { readable: boolean; writable: boolean }): void =>
        onReady(status, events.readable, events.writable);
      return {
        start(readable, writable) {
          if (!readable && !writable) {
            handle?.stop();
            return;
          }
          const events = { readable, writable };
          if (handle !== undefined) {
            handle.start(events, callback);
            return;
          }
          const poll = koffi.node.poll as unknown as (
            fd: number,
            options: typeof events,
            cb: typeof callback,
          ) => PollHandle | null;
          const created = poll(fd, events, callback);
          if (created === null) throw new Error(`could not watch fd ${fd} on the event loop`);
          handle = created;
          if (!referenced) handle.unref();
        },
        unref() {
          referenced = false;
          handle?.unref();
        },
        ref() {
          referenced = true;
          handle?.ref();
        },
        close() {
          handle?.close();
          handle = undefined;
        },
      };
    },
    nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
    onExit: (callback) => {
      process.once("exit", callback);
    },
  };
}

let shared: LibcBinder | undefined;

/** The process-wide koffi binder (koffi itself still loads only on first use). */
export function getKoffiBinder(): LibcBinder {
  return (shared ??= createKoffiBinder());
}
