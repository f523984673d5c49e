/**
 * The contract between this package and a runtime's FFI. A binder is a thin, mechanical mapping of
 * libc functions: no policy, no retries, no flag fixing (that all lives in this package, once).
 * Node binds with koffi, Bun with `bun:ffi`, Deno with `Deno.dlopen`; see the README.
 *
 * Conventions every method follows:
 * - it calls the C function synchronously on the JS thread and returns its result as a JS number
 *   (`ssize_t` results too), so `-1` means failure;
 * - right after a failed call, {@link LibcBinder.errno} returns that call's errno (nothing else may
 *   run in between: call it before any other FFI call or allocation-heavy JS);
 * - pointer arguments are `Uint8Array`s (views honour their `byteOffset`), `null` is `NULL`;
 *   integer fields inside them (`socklen_t`, `int[2]`, `struct pollfd`) are in host byte order;
 * - lengths are plain numbers (`size_t`/`socklen_t` conversion is the binder's job).
 *
 * @example
 * ```ts
 * const fd = binder.socket(C.AF_INET, C.SOCK_DGRAM, 0);
 * if (fd === -1) throw systemError(binder.platform, binder.errno(), "socket");
 * ```
 * @module
 */

import type { LibcPlatform } from "./constants.ts";

/** A libc bound through one runtime's FFI. */
export interface LibcBinder {
  /** The OS whose numbers (constants.ts) apply. */
  readonly platform: LibcPlatform;

  /** errno of the last failed call made through this binder on the JS thread. */
  errno(): number;

  /** libc's `socket()`: C's return value (-1 with `errno()` set on failure). */
  socket(domain: number, type: number, protocol: number): number;
  /** `sv` receives two `int`s (8 bytes). */
  socketpair(domain: number, type: number, protocol: number, sv: Uint8Array): number;
  /** libc's `bind()`: C's return value (-1 with `errno()` set on failure). */
  bind(fd: number, addr: Uint8Array, addrlen: number): number;
  /** libc's `connect()`: C's return value (-1 with `errno()` set on failure). */
  connect(fd: number, addr: Uint8Array, addrlen: number): number;
  /** libc's `listen()`: C's return value (-1 with `errno()` set on failure). */
  listen(fd: number, backlog: number): number;
  /** `addrlen` is an in/out `socklen_t` (4 bytes); both may be `null`. */
  accept(fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null): number;
  /**
   * Linux only (`SOCK_NONBLOCK | SOCK_CLOEXEC` flags, atomically). Absent elsewhere; the socket
   * layer then calls {@link accept} and sets the flags with {@link fcntl}.
   */
  accept4?(fd: number, addr: Uint8Array | null, addrlen: Uint8Array | null, flags: number): number;
  /** `optlen` is an in/out `socklen_t` (4 bytes). */
  getsockopt(fd: number, level: number, name: number, optval: Uint8Array, optlen: Uint8Array): number;
  /** libc's `setsockopt()`: C's return value (-1 with `errno()` set on failure). */
  setsockopt(fd: number, level: number, name: number, optval: Uint8Array, optlen: number): number;
  /** libc's `getsockname()`: C's return value (-1 with `errno()` set on failure). */
  getsockname(fd: number, addr: Uint8Array, addrlen: Uint8Array): number;
  /** libc's `getpeername()`: C's return value (-1 with `errno()` set on failure). */
  getpeername(fd: number, addr: Uint8Array, addrlen: Uint8Array): number;

  /** libc's `recv()`: C's return value (-1 with `errno()` set on failure). */
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  /** libc's `send()`: C's return value (-1 with `errno()` set on failure). */
  send(fd: number, buf: Uint8Array, len: number, flags: number): number;
  /** libc's `recvfrom()`: C's return value (-1 with `errno()` set on failure). */
  recvfrom(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array | null, addrlen: Uint8Array | null): number;
  /** libc's `sendto()`: C's return value (-1 with `errno()` set on failure). */
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array | null, addrlen: number): number;
  /**
   * `msg` is a `struct msghdr` whose pointer fields hold addresses from {@link addressOf}.
   * Optional: only fd passing (SCM_RIGHTS) needs it.
   */
  recvmsg?(fd: number, msg: Uint8Array, flags: number): number;
  /** libc's `sendmsg()`: C's return value (-1 with `errno()` set on failure). */
  sendmsg?(fd: number, msg: Uint8Array, flags: number): number;
  /**
   * The address of a buffer's first byte, for pointers inside structs (msghdr, iovec). The buffer
   * must stay alive and unmoved until the call that uses the address returns; ArrayBuffer backing
   * stores do not move once their address has been taken in V8 and JavaScriptCore.
   */
  addressOf?(buf: Uint8Array): bigint;

  /** libc's `shutdown()`: C's return value (-1 with `errno()` set on failure). */
  shutdown(fd: number, how: number): number;
  /**
   * `fchmod(fd, mode)`. On a Unix socket before `bind`, Linux creates the socket file with this
   * mode (less the umask), so the file is never looser than `mode`. Optional: without it the mode
   * is only set after bind.
   */
  fchmod?(fd: number, mode: number): number;
  /** libc's `close()`: C's return value (-1 with `errno()` set on failure). */
  close(fd: number): number;
  /** `fcntl(fd, cmd, arg)` with an `int` argument (F_GETFL, F_SETFL, F_GETFD, F_SETFD). */
  fcntl(fd: number, cmd: number, arg: number): number;
  /** `fds` receives two `int`s. The socket layer sets O_NONBLOCK / FD_CLOEXEC afterwards. */
  pipe(fds: Uint8Array): number;
  /** Linux only; the reactor prefers it to a pipe for its wake-up fd. */
  eventfd?(initval: number, flags: number): number;
  /** libc's `read()`: C's return value (-1 with `errno()` set on failure). */
  read(fd: number, buf: Uint8Array, len: number): number;
  /** libc's `write()`: C's return value (-1 with `errno()` set on failure). */
  write(fd: number, buf: Uint8Array, len: number): number;
  /** Optional: resolves an IPv6 zone such as `eth0` in `fe80::1%eth0`; 0 when unknown. */
  ifNameToIndex?(name: string): number;

  /** Synchronous `poll(2)`; used with timeout 0 only (it would block the event loop otherwise). */
  poll(pollfds: Uint8Array, nfds: number, timeoutMs: number): number;
  /**
   * `poll(2)` run OFF the JS thread (koffi: `fn.async` on libuv's pool; Deno: a `nonblocking`
   * symbol; Bun: a Worker). Resolves to poll's result when it is ≥ 0, and to `-errno` when poll
   * failed (errno is the worker thread's, so the binder must capture it there; a binder that
   * cannot resolves to `-EINTR`, which makes the reactor simply poll again).
   *
   * While the promise is pending the binder owns `pollfds`: the caller neither reads nor writes
   * it until then, and the `revents` are in it when the promise resolves. A pending call keeps
   * the process alive and cannot be cancelled; the reactor ends it through its wake-up fd.
   */
  pollAsync(pollfds: Uint8Array, nfds: number, timeoutMs: number): Promise<number>;

  /**
   * Optional: resolves after one turn of the runtime's event loop (timers and I/O run in it), the
   * cheapest way the runtime has (`setImmediate`: 2–5 µs). The reactor then lets the loop turn
   * that way where it would otherwise issue a zero-timeout {@link pollAsync}, a thread round trip
   * (30–100 µs measured on the 2-core test VM).
   */
  nextTurn?(): Promise<void>;

  /**
   * Optional: a readiness watcher on `fd` run by the runtime's OWN event loop (Node: libuv's
   * `uv_poll`, through `koffi.node.poll`), so that a wait needs no thread at all: the loop's
   * epoll wakes for the fd as it does for the runtime's own sockets. A thread round trip per wait
   * (`pollAsync`) cost about 27 µs of CPU on the test VM, a `uv_poll` wake-up about 10.
   * When a binder has it, the reactor waits through watchers instead of `pollAsync`.
   *
   * `onReady(status, readable, writable)` runs on the JS thread from the event loop, each loop
   * turn in which the armed events hold (level-triggered); `status` is negative (an errno, and
   * the watcher stopped) when the fd is in error. A new watcher is stopped; see {@link FdWatcher}.
   */
  watch?(fd: number, onReady: (status: number, readable: boolean, writable: boolean) => void): FdWatcher;

  /**
   * Registers `callback` to run synchronously when the process is about to exit (Node:
   * `process.once("exit")`, which also covers `process.exit()` and uncaught exceptions). The
   * reactor uses it to end a pending {@link pollAsync}: Node waits for running thread-pool work
   * at exit, so an exit with a poll blocked forever would hang. Optional: a runtime whose exit
   * does not wait for a pending FFI call needs none.
   */
  onExit?(callback: () => void): void;
}

/**
 * A readiness watcher from {@link LibcBinder.watch}. It must be closed BEFORE its fd is: with
 * libuv, stopping or closing it removes the fd NUMBER from the loop's epoll set, which would
 * unregister whatever file has that number by then.
 */
export interface FdWatcher {
  /**
   * Watches for these events from now on (both false: stops watching). While watching, a
   * referenced watcher keeps the process alive; see {@link FdWatcher.unref}.
   */
  start(readable: boolean, writable: boolean): void;
  /** Lets the process exit while this watcher still watches (it may still call back). */
  unref(): void;
  /** Undoes {@link FdWatcher.unref}. */
  ref(): void;
  /** Stops watching for good and frees the watcher. */
  close(): void;
}
