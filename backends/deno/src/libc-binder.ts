/**
 * The Deno binder of `@portio/libc-socket`: libc through `Deno.dlopen`. Needs `--allow-ffi` (no
 * unstable flag). libc is opened on the first call, not at import, so that programs which never
 * need a libc socket (TCP and Unix streams go through Deno's own APIs) need no `--allow-ffi`.
 *
 * @module
 */

import type { LibcBinder } from "@portio/libc-socket";
import { constantsFor } from "@portio/libc-socket";
import { withPermissionSync } from "./permissions.ts";

const platform: "linux" | "darwin" = Deno.build.os === "darwin" ? "darwin" : "linux";

/** What needs libc, for the permission error. */
const FEATURE = "UDP, Unix datagram sockets, socketpair() and adopting or inspecting socket fds (libc through Deno.dlopen)";

// Every pointer is "buffer": Deno passes a typed array's address (its byteOffset honoured) or NULL.
const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recvfrom: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"], result: "isize" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  pipe: { parameters: ["buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
  // nfds_t is unsigned long on Linux and unsigned int on macOS; both travel in a register.
  poll: { parameters: ["buffer", "usize", "i32"], result: "i32" },
  // Runs on a Deno worker thread; the promise resolves with poll's result.
  poll_nb: { name: "poll", parameters: ["buffer", "usize", "i32"], result: "i32", nonblocking: true },
} as const;

const LINUX_SYMBOLS = {
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  // Variadic in C; on x86-64 and arm64 Linux a variadic int travels like a fixed one.
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

const DARWIN_SYMBOLS = {
  // macOS arm64 passes variadic arguments on the stack: six padding ints fill the remaining
  // argument registers (x2..x7), so `arg` lands where a variadic first argument goes.
  fcntl: { parameters: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], result: "i32" },
  __error: { name: "__error", parameters: [], result: "pointer" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type Any = (...args: unknown[]) => unknown;

interface Loaded {
  c: Lib;
  extra: Record<string, Any>;
  errnoPointer: () => Deno.PointerValue;
}

function load(): Loaded {
  return withPermissionSync(FEATURE, "--allow-ffi", () => {
    if (platform === "darwin") {
      const lib = Deno.dlopen("libSystem.B.dylib", { ...SYMBOLS, ...DARWIN_SYMBOLS });
      const extra = lib.symbols as unknown as Record<string, Any>;
      return { c: lib.symbols, extra, errnoPointer: () => lib.symbols.__error() };
    }
    const lib = Deno.dlopen(Deno.build.os === "linux" ? "libc.so.6" : "libc.so", { ...SYMBOLS, ...LINUX_SYMBOLS });
    const extra = lib.symbols as unknown as Record<string, Any>;
    return { c: lib.symbols, extra, errnoPointer: () => lib.symbols.__errno_location() };
  });
}

const encoder = new TextEncoder();

/**
 * A new `Deno.dlopen`-backed {@link LibcBinder}. Prefer {@link getDenoBinder}: the readiness
 * reactor is per binder, and one reactor (one outstanding poll) per process is the point.
 *
 * @example
 * ```ts
 * import { LibcSocket } from "@portio/libc-socket";
 * const [a, b] = LibcSocket.socketpair(getDenoBinder(), "dgram");
 * ```
 */
export function createDenoBinder(): LibcBinder {
  let loaded: Loaded | undefined;
  const l = (): Loaded => (loaded ??= load());
  const c = (): Lib => l().c;
  const EINTR = constantsFor(platform).errno.EINTR!;
  return {
    platform,
    errno: () => new Deno.UnsafePointerView(l().errnoPointer()!).getInt32(),
    socket: (domain, type, protocol) => c().socket(domain, type, protocol),
    socketpair: (domain, type, protocol, sv) => c().socketpair(domain, type, protocol, sv),
    bind: (fd, addr, addrlen) => c().bind(fd, addr, addrlen),
    connect: (fd, addr, addrlen) => c().connect(fd, addr, addrlen),
    listen: (fd, backlog) => c().listen(fd, backlog),
    accept: (fd, addr, addrlen) => c().accept(fd, addr, addrlen),
    ...(platform === "linux"
      ? {
          accept4: (fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null, flags: number) =>
            l().extra.accept4!(fd, addr, addrlen, flags) as number,
          eventfd: (initval: number, flags: number) => l().extra.eventfd!(initval, flags) as number,
        }
      : {}),
    getsockopt: (fd, level, name, optval, optlen) => c().getsockopt(fd, level, name, optval, optlen),
    setsockopt: (fd, level, name, optval, optlen) => c().setsockopt(fd, level, name, optval, optlen),
    getsockname: (fd, addr, addrlen) => c().getsockname(fd, addr, addrlen),
    getpeername: (fd, addr, addrlen) => c().getpeername(fd, addr, addrlen),
    recv: (fd, buf, len, flags) => Number(c().recv(fd, buf, BigInt(len), flags)),
    send: (fd, buf, len, flags) => Number(c().send(fd, buf, BigInt(len), flags)),
    recvfrom: (fd, buf, len, flags, addr, addrlen) => Number(c().recvfrom(fd, buf, BigInt(len), flags, addr, addrlen)),
    sendto: (fd, buf, len, flags, addr, addrlen) => Number(c().sendto(fd, buf, BigInt(len), flags, addr, addrlen)),
    recvmsg: (fd, msg, flags) => Number(c().recvmsg(fd, msg, flags)),
    sendmsg: (fd, msg, flags) => Number(c().sendmsg(fd, msg, flags)),
    addressOf: (buf) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf as Uint8Array<ArrayBuffer>))),
    shutdown: (fd, how) => c().shutdown(fd, how),
    fchmod: (fd, mode) => c().fchmod(fd, mode) as number,
    close: (fd) => c().close(fd),
    fcntl:
      platform === "darwin"
        ? (fd, cmd, arg) => l().extra.fcntl!(fd, cmd, 0, 0, 0, 0, 0, 0, arg) as number
        : (fd, cmd, arg) => l().extra.fcntl!(fd, cmd, arg) as number,
    pipe: (fds) => c().pipe(fds),
    read: (fd, buf, len) => Number(c().read(fd, buf, BigInt(len))),
    write: (fd, buf, len) => Number(c().write(fd, buf, BigInt(len))),
    ifNameToIndex: (name) => c().if_nametoindex(encoder.encode(`${name}\0`)),
    poll: (pollfds, nfds, timeoutMs) => c().poll(pollfds, BigInt(nfds), timeoutMs),
    // The worker thread's errno is out of reach here; -EINTR makes the reactor simply poll again.
    pollAsync: async (pollfds, nfds, timeoutMs) => {
      const result = await c().poll_nb(pollfds, BigInt(nfds), timeoutMs);
      return result < 0 ? -EINTR : result;
    },
    // Deno has setImmediate as a global (2 µs a turn); setTimeout(0) is clamped to milliseconds.
    nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
    onExit: (callback) => {
      // Deno.exit() and the end of the main module both fire "unload"; the reactor writes its
      // wake-up fd there so that no poll stays blocked on a worker thread during teardown.
      globalThis.addEventListener("unload", () => callback());
    },
  };
}

let shared: LibcBinder | undefined;

/** The process-wide Deno binder (libc itself is still opened only on first use). */
export function getDenoBinder(): LibcBinder {
  return (shared ??= createDenoBinder());
}
