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

/**
 * What adopting or inspecting an fd calls, and errno, opened on their own: `Deno.dlopen` prepares
 * every symbol it is given, so the first adoption in a process (a TCP stream on Deno needs nothing
 * else of libc) opens five symbols instead of all thirty (measured: 6–10 ms against 15–44 ms for
 * the dlopen, most of `SocketStream.fromSocket`'s first setup).
 */
const INSPECTION_SYMBOLS = {
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
} as const;

const LINUX_INSPECTION_SYMBOLS = {
  // Variadic in C; on x86-64 and arm64 Linux a variadic int travels like a fixed one.
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

const DARWIN_INSPECTION_SYMBOLS = {
  // macOS arm64 passes variadic arguments on the stack: six padding ints fill the remaining
  // argument registers (x2..x7), so `arg` lands where a variadic first argument goes.
  fcntl: { parameters: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], result: "i32" },
  __error: { name: "__error", parameters: [], result: "pointer" },
} as const;

/** The rest of libc that sockets made through it need, opened on the first call to any of them. */
const SOCKET_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
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

const LINUX_SOCKET_SYMBOLS = {
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
} as const;

type Inspection = Deno.DynamicLibrary<typeof INSPECTION_SYMBOLS>["symbols"];
type Sockets = Deno.DynamicLibrary<typeof SOCKET_SYMBOLS>["symbols"];
type Any = (...args: unknown[]) => unknown;

const LIBC = platform === "darwin" ? "libSystem.B.dylib" : Deno.build.os === "linux" ? "libc.so.6" : "libc.so";

/** Opens `symbols` of libc (a second dlopen of the same library only takes another reference). */
function open<S extends Deno.ForeignLibraryInterface>(symbols: S): Deno.DynamicLibrary<S>["symbols"] {
  return withPermissionSync(FEATURE, "--allow-ffi", () => Deno.dlopen(LIBC, symbols).symbols);
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
  let inspection: Inspection | undefined;
  let sockets: Sockets | undefined;
  const i = (): Inspection =>
    (inspection ??= open({
      ...INSPECTION_SYMBOLS,
      ...(platform === "darwin" ? DARWIN_INSPECTION_SYMBOLS : LINUX_INSPECTION_SYMBOLS),
    }) as unknown as Inspection);
  /** The platform's own symbols of the inspection group (fcntl, errno's location). */
  const ie = (): Record<string, Any> => i() as unknown as Record<string, Any>;
  // The inspection group (errno's location with it) is opened first: errno() after a failed call
  // must not open a library, which could itself set errno.
  const c = (): Sockets => {
    if (sockets === undefined) {
      i();
      sockets = open({ ...SOCKET_SYMBOLS, ...(platform === "linux" ? LINUX_SOCKET_SYMBOLS : {}) }) as unknown as Sockets;
    }
    return sockets;
  };
  const ce = (): Record<string, Any> => c() as unknown as Record<string, Any>;
  const errnoPointer =
    platform === "darwin" ? () => ie().__error!() as Deno.PointerValue : () => ie().__errno_location!() as Deno.PointerValue;
  const EINTR = constantsFor(platform).errno.EINTR!;
  return {
    platform,
    errno: () => new Deno.UnsafePointerView(errnoPointer()!).getInt32(),
    socket: (domain, type, protocol) => c().socket(domain, type, protocol),
    socketpair: (domain, type, protocol, sv) => c().socketpair(domain, type, protocol, sv),
    bind: (fd, addr, addrlen) => c().bind(fd, addr, addrlen),
    connect: (fd, addr, addrlen) => c().connect(fd, addr, addrlen),
    listen: (fd, backlog) => c().listen(fd, backlog),
    accept: (fd, addr, addrlen) => c().accept(fd, addr, addrlen),
    ...(platform === "linux"
      ? {
          accept4: (fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null, flags: number) =>
            ce().accept4!(fd, addr, addrlen, flags) as number,
          eventfd: (initval: number, flags: number) => ce().eventfd!(initval, flags) as number,
        }
      : {}),
    getsockopt: (fd, level, name, optval, optlen) => i().getsockopt(fd, level, name, optval, optlen),
    setsockopt: (fd, level, name, optval, optlen) => c().setsockopt(fd, level, name, optval, optlen),
    getsockname: (fd, addr, addrlen) => i().getsockname(fd, addr, addrlen),
    getpeername: (fd, addr, addrlen) => i().getpeername(fd, addr, addrlen),
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
        ? (fd, cmd, arg) => ie().fcntl!(fd, cmd, 0, 0, 0, 0, 0, 0, arg) as number
        : (fd, cmd, arg) => ie().fcntl!(fd, cmd, arg) as number,
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
