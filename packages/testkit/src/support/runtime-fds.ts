/**
 * Deno opens fds of its own after it starts: about 500 ms into a process's event loop it creates
 * a socketpair and a thread that listens for SIGHUP, SIGINT, SIGTERM and SIGUSR1 (measured on Deno
 * 2.9.6 with strace: `socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC)`, then `rt_sigaction` for those
 * four signals and a `clone3`; with `DENO_NO_UPDATE_CHECK=1` too). A test whose fd count
 * straddles that moment sees two more fds (`socket:[n]`, `socket:[n+1]`) that are not its own.
 * Before its first count, a process on Deno therefore lets 1 s of event-loop time pass (a timer
 * set later than Deno's fires after it); every later call resolves at once. Other runtimes open
 * nothing like it: they do not wait.
 */
let settled: Promise<void> | undefined;

/**
 * Resolves once the runtime has opened the fds it opens on its own after start (on Deno: see the
 * module comment), so an fd count taken afterwards holds only the test's own.
 *
 * @example
 * ```ts
 * await runtimeFdsSettled();
 * const before = countOpenFds();
 * ```
 */
export function runtimeFdsSettled(): Promise<void> {
  if (!("Deno" in globalThis)) return Promise.resolve();
  settled ??= new Promise<void>((resolve) => setTimeout(resolve, DENO_SETTLE_MS));
  return settled;
}

/** Deno's socketpair came 500–590 ms into the event loop in every measurement; twice that, about. */
const DENO_SETTLE_MS = 1_000;
