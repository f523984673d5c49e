/**
 * Deno opens fds of its own after it starts: about 500 ms into a process's event loop it creates
 * a socketpair and then a thread (named "deno", like the main thread) that listens for SIGHUP,
 * SIGINT, SIGTERM and SIGUSR1 (measured on Deno 2.9.6 with strace: `socketpair(AF_UNIX,
 * SOCK_STREAM|SOCK_CLOEXEC)`, `rt_sigaction` for those four signals, then `clone3`; with
 * `DENO_NO_UPDATE_CHECK=1` too). A test whose fd count straddles that moment sees two more fds
 * (`socket:[n]`, `socket:[n+1]`) that are not its own. Before its first count, a process on Deno
 * therefore waits until that thread exists (it is started after the socketpair, so the fds are
 * there then), polling `/proc/self/task` and giving up after {@link DENO_SETTLE_LIMIT_MS} should a
 * later Deno stop opening it.
 *
 * Node 24 loading `node:tls` (imported for TLS, and by an ES import of `node:http`) starts a thread
 * that reads the root certificates, among them the `NODE_EXTRA_CA_CERTS` file, whose fd is open for
 * some 10–20 ms (Node 24.21: `startLoadingCertificatesOffThread()` in lib/tls.js). A count taken then
 * and again later sees one fd fewer. So a process on Node loads `node:tls` and creates a default
 * secure context, which waits for that thread to finish (on Node 20 it reads nothing of the kind).
 * Bun opens nothing like either: it does not wait.
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
  const deno = (globalThis as { Deno?: DenoFiles }).Deno;
  if (deno !== undefined) return (settled ??= waitForSignalThread(deno));
  const node = (globalThis as { process?: NodeProcess }).process;
  if (node?.versions?.node === undefined || node.versions.bun !== undefined) return Promise.resolve();
  settled ??= Promise.resolve().then(() => {
    node.getBuiltinModule?.("node:tls")?.createSecureContext();
  });
  return settled;
}

/** What Node's `process` gives this module (testkit is not compiled against Node's types). */
interface NodeProcess {
  versions?: { node?: string; bun?: string };
  getBuiltinModule?(id: "node:tls"): { createSecureContext(): unknown } | undefined;
}

/** The two Deno file calls this needs (testkit is not compiled against Deno's types). */
interface DenoFiles {
  readDirSync(path: string): Iterable<{ name: string }>;
  readTextFileSync(path: string): string;
}

async function waitForSignalThread(deno: DenoFiles): Promise<void> {
  const deadline = Date.now() + DENO_SETTLE_LIMIT_MS;
  while (threadsNamedDeno(deno) < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Threads of this process named "deno": the main thread, then also the signal thread. */
function threadsNamedDeno(deno: DenoFiles): number {
  let count = 0;
  for (const task of deno.readDirSync("/proc/self/task")) {
    try {
      if (deno.readTextFileSync(`/proc/self/task/${task.name}/comm`).trim() === "deno") count++;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return count;
}

/** The thread came 500–590 ms into the event loop in every measurement; this bounds the wait. */
const DENO_SETTLE_LIMIT_MS = 5_000;
const POLL_INTERVAL_MS = 20;
