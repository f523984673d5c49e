import type { SocketStream } from "@portio/core";
import type { AsyncBackend } from "@portio/core/backend";

/**
 * What a runtime lends the conformance suite. The cases themselves use only web-standard APIs and
 * portio's public API; everything else a case needs from the runtime (temporary directories, the
 * fd count) comes through here, so that the very same cases run in Node, Deno, Bun or a
 * third-party runtime.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { readdirSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const harness: ConformanceHarness = {
 *   runtime: `node ${process.versions.node}`,
 *   backend: nodeBackend,
 *   makeTempDir: () => mkdtemp(join(tmpdir(), "portio-")),
 *   removeDir: (path) => rm(path, { recursive: true, force: true }),
 *   countOpenFds: () => readdirSync("/proc/self/fd").length,
 *   skip: { "tcp-listener/reuse-port": "node:net has no reusePort before Node 22.12" },
 * };
 * ```
 */
export interface ConformanceHarness {
  /** Label for reports, e.g. `"node 20.20.2"`. */
  runtime: string;
  /** The backend under test; the suite calls `setBackend(backend)` before every case. */
  backend: AsyncBackend;
  /** Creates a fresh, empty directory (Unix socket paths go there) and resolves with its path. */
  makeTempDir(): Promise<string>;
  /** Removes a directory made by {@link makeTempDir}, with everything in it. */
  removeDir(path: string): Promise<void>;
  /**
   * The number of open file descriptors of this process (on Linux: the entries of
   * `/proc/self/fd`). When given, every case checks that the count is the same after it as
   * before it, so a backend that leaks an fd fails the case that leaked it.
   */
  countOpenFds?(): Promise<number> | number;
  /**
   * What each open fd is (fd → its `/proc/self/fd` link target: `socket:[inode]`, `pipe:[inode]`,
   * a path). When given with {@link countOpenFds}, a case that fails the fd check says which fds
   * it opened and left (or closed and should not have), not just how many.
   */
  openFdTargets?(): Map<number, string>;
  /**
   * Cases this runtime cannot pass, by case id, each with the reason written out (it shows in
   * the report). Unknown ids and empty reasons are rejected, so that a renamed case cannot
   * silently start running or a skip go unexplained.
   */
  skip?: Readonly<Record<string, string>>;
  /** Per-case limit in milliseconds for the runner (a safety net; no case relies on time). Default 30 000. */
  timeoutMs?: number;
  /**
   * Certificates for the TLS cases, which the runtime makes (the testkit cannot run a tool like
   * `openssl`); the TLS cases fail with a note saying so when it is missing.
   */
  tlsCertificates?(): Promise<TLSTestCertificates> | TLSTestCertificates;
  /**
   * Raw socket fds in exact states, for the adoption cases (`fromSocket`, `wrapClientSocket`,
   * `wrapServerSocket`): only the runtime can make an fd that no portio object owns yet. Without
   * it the adoption cases are skipped, saying so.
   */
  rawSockets?: RawSocketFactory;
  /**
   * Why this backend has no raw fds to lend (for example a backend with no OS sockets at all):
   * the skip reason of the cases that need {@link rawSockets}, instead of the generic one.
   */
  rawSocketsUnavailable?: string;
  /**
   * The file system and a second user, for the cases about Unix socket files (their mode, stale
   * and live sockets, which file a listener removes). Without it those cases are skipped, saying so.
   */
  socketFiles?: SocketFileTools;
  /**
   * Starts a program in another process, for cases whose peer must be a separate process (one
   * that is killed mid-connection: only then does the kernel end the connection with no TLS
   * close_notify and no help from the runtime under test). `stdin` is written and closed. Without
   * it those cases are skipped, saying so.
   */
  spawnProcess?(command: string, args: readonly string[], options?: { stdin?: string }): Promise<SpawnedProcess>;
  /**
   * Reads a TCP stream's socket options from the kernel (getsockopt on its socket), for the
   * `tcp-options` cases: they check what the kernel holds, never what portio says it set. A
   * backend without OS sockets reports what its own network holds instead. Without it those
   * cases are skipped, saying so.
   */
  tcpOptions?: TCPOptionReader;
}

/** A TCP socket's options as the kernel reports them (`getsockopt`). */
export interface KernelTCPOptions {
  /** `TCP_NODELAY` is set. */
  noDelay: boolean;
  /** `SO_KEEPALIVE` is set. */
  keepAlive: boolean;
  /** `TCP_KEEPIDLE`: idle seconds before the first keep-alive probe. */
  keepAliveIdleSeconds: number;
}

/**
 * See {@link ConformanceHarness.tcpOptions}. portio's own harnesses call getsockopt through libc
 * on the stream's fd, and where the runtime exposes no fd (Deno's own connections) find the
 * socket's fd with {@link findTcpSocketFd}.
 *
 * @example
 * ```ts
 * const options = await harness.tcpOptions.read(stream); // { noDelay: true, keepAlive: false, keepAliveIdleSeconds: 7200 }
 * ```
 */
export interface TCPOptionReader {
  /** The options of the socket under `stream` (a TCP stream made or accepted by portio). */
  read(stream: SocketStream): Promise<KernelTCPOptions> | KernelTCPOptions;
}

/** A process started by {@link ConformanceHarness.spawnProcess}. */
export interface SpawnedProcess {
  /** The next line the process printed on stdout (without the newline), or `null` once stdout ended. */
  readLine(): Promise<string | null>;
  /** Kills the process (SIGKILL) if it still runs and resolves once it has exited and its pipes are closed. */
  kill(): Promise<void>;
}

/** What {@link SocketFileTools.inspect} reports about the file at a path. */
export interface FileFacts {
  /** What kind of file it is. */
  kind: "socket" | "file" | "directory" | "other";
  /** Device and inode: which file it is. */
  dev: number;
  /** The inode number (with `dev`: which file it is). */
  ino: number;
  /** Permission bits, e.g. `0o600`. */
  mode: number;
}

/** Counts from an {@link OtherUserProber} since it started or since its last report. */
export interface ProbeCounts {
  /** Connect attempts. */
  attempts: number;
  /** Attempts that connected (or whose datagram was sent): the other user reached the socket. */
  connected: number;
  /** Attempts refused for lack of permission (`EACCES`): the file was there, its mode kept them out. */
  denied: number;
}

/**
 * A process running as another, unprivileged user (e.g. `nobody`) that connects to one Unix
 * socket path over and over (for a datagram socket: sends it a datagram), as fast as it can,
 * until stopped.
 */
export interface OtherUserProber {
  /** Counts since the start or the previous report; the counters start again from zero. */
  report(): Promise<ProbeCounts>;
  /** Ends the process; resolves once it has exited. */
  stop(): Promise<void>;
}

/** See {@link ConformanceHarness.socketFiles}. */
export interface SocketFileTools {
  /** Facts about the file at `path` (not following a symlink), or `undefined` if there is none. */
  inspect(path: string): Promise<FileFacts | undefined>;
  /** Removes the file at `path`. */
  unlink(path: string): Promise<void>;
  /** Creates a regular file at `path` holding `text`. */
  writeFile(path: string, text: string): Promise<void>;
  /** The names in directory `dir`, sorted. */
  list(dir: string): Promise<string[]>;
  /** Sets the process's umask and returns the previous one. */
  umask(mask: number): number;
  /**
   * Starts an {@link OtherUserProber} against `path`, after making `dir` (a temp dir holding
   * `path`) reachable by that user; resolves once it is running. Rejects, saying why, where the
   * machine has no second user to offer (not root, no `setpriv`).
   */
  probeAsOtherUser(dir: string, path: string, type?: "stream" | "dgram"): Promise<OtherUserProber>;
}

/** The state a {@link RawSocketFactory} puts a new socket in. */
export interface RawSocketState {
  /** Bound to a loopback address with port 0 (IP), or to `path` (Unix; unnamed without one). */
  bound?: boolean;
  /** Bound and listening (stream sockets only). */
  listening?: boolean;
  /** The listen queue length when `listening` (default 511); 0 makes a queue that one connection fills. */
  backlog?: number;
  /**
   * Connected: IP sockets to a loopback peer (TCP: an accepted connection), Unix sockets as one
   * end of `socketpair()`. The other end is in {@link RawSocket.peerFds}.
   */
  connected?: boolean;
  /** Where a bound Unix socket is bound (a path in a harness temp dir, or `"\0name"`). */
  path?: string;
  /**
   * Leave O_NONBLOCK set. By default the socket is made blocking, so that a case can see whether a
   * refused adoption changed the flag (it must not).
   */
  nonBlocking?: boolean;
  /** Leave FD_CLOEXEC set (default true); false clears it, as on an fd inherited from a parent. */
  closeOnExec?: boolean;
  /**
   * TCP only: set SO_KEEPALIVE on the new socket (a connected one: on this end; a listening one:
   * on the listener, whose accepted sockets inherit it), as another program might have.
   */
  keepAlive?: boolean;
}

/** A socket made by {@link RawSocketFactory.create}. The caller owns every fd in it. */
export interface RawSocket {
  /** The socket in the requested state. */
  fd: number;
  /** The connected peer's fd(s), in their default (non-blocking) mode; empty unless `connected`. */
  peerFds: number[];
}

/**
 * Makes and inspects raw fds through the runtime (in portio's own harnesses: libc through the
 * runtime's FFI). Everything synchronous may also return a promise.
 *
 * @example
 * ```ts
 * const raw = await harness.rawSockets.create("inet", "stream", { listening: true });
 * const listener = await SocketListener.fromSocket(raw.fd);
 * ```
 */
export interface RawSocketFactory {
  /** A new socket of `family` and `type` in `state`. */
  create(family: "inet" | "inet6" | "unix", type: "stream" | "dgram", state?: RawSocketState): Promise<RawSocket>;
  /** Whether `fd` is an open descriptor of this process. */
  isOpen(fd: number): boolean | Promise<boolean>;
  /** O_NONBLOCK of an open fd. */
  isNonBlocking(fd: number): boolean | Promise<boolean>;
  /** Whether FD_CLOEXEC is set on `fd` (the fd must be open). */
  isCloseOnExec(fd: number): boolean | Promise<boolean>;
  /** An open fd that is not a socket (a regular file in `dir`). */
  openNonSocketFd(dir: string): number | Promise<number>;
  /** Sets SO_SNDBUF (Linux caps a Unix datagram at the sender's buffer; the oversize case needs more). */
  setSendBufferSize(fd: number, bytes: number): void | Promise<void>;
  /** Closes an fd the caller owns. */
  close(fd: number): void | Promise<void>;
}

/**
 * PEM text the TLS cases use: a CA, a server certificate for `localhost`, `127.0.0.1` and `::1`,
 * and a client certificate (for mutual TLS), both signed by the CA. Make them fresh for each run;
 * never commit key material.
 */
export interface TLSTestCertificates {
  /** The test CA's certificate (PEM). */
  ca: string;
  /** The server's certificate for `localhost`, 127.0.0.1 and ::1, signed by the CA (PEM). */
  serverCert: string;
  /** The server certificate's private key (PEM). */
  serverKey: string;
  /** A client certificate signed by the CA, for mutual TLS (PEM). */
  clientCert: string;
  /** The client certificate's private key (PEM). */
  clientKey: string;
}

/**
 * One runnable conformance case, already bound to a harness.
 *
 * @example
 * ```ts
 * for (const c of await conformanceCases(harness)) {
 *   if (c.skip === undefined) await c.run();
 * }
 * ```
 */
export interface ConformanceCase {
  /** Stable identifier, `suite/name`, e.g. `"tcp-stream/send-receive"`; the keys of `harness.skip`. */
  id: string;
  /** Suite name, e.g. `"tcp-stream"`. */
  suite: string;
  /** Case name within its suite, with parameters in brackets, e.g. `"extra-attributes[ipv6]"`. */
  name: string;
  /** What the case checks, in one sentence. */
  description: string;
  /** Why the case does not run here, if it does not (from `harness.skip` or a missing capability). */
  skip?: string;
  /** Runner time limit in milliseconds. */
  timeoutMs: number;
  /**
   * Runs the case: registers the backend, runs the body, closes whatever the body left open, and
   * (when the harness counts fds) checks that no fd leaked. Rejects on failure.
   */
  run(): Promise<void>;
}

/**
 * The three calls the suite needs from a test runner. vitest, `bun:test` and Deno's
 * `@std/testing/bdd` all fit with one-line adapters.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * const runner: ConformanceRunner = {
 *   describe,
 *   test: (name, fn, timeoutMs) => it(name, fn, timeoutMs),
 *   skip: (name, reason) => it.skip(`${name} (skipped: ${reason})`, () => {}),
 * };
 * ```
 */
export interface ConformanceRunner {
  /** Groups tests; `fn` registers them synchronously. */
  describe(name: string, fn: () => void): void;
  /** Registers one test. */
  test(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  /** Registers a skipped test, showing `reason` in the report. */
  skip(name: string, reason: string): void;
}
