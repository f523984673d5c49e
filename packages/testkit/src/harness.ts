import type { AsyncBackend } from "@portio/core";

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
  tlsCertificates?(): Promise<TlsTestCertificates> | TlsTestCertificates;
}

/**
 * PEM text the TLS cases use: a CA, a server certificate for `localhost`, `127.0.0.1` and `::1`,
 * and a client certificate (for mutual TLS), both signed by the CA. Make them fresh for each run;
 * never commit key material.
 */
export interface TlsTestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
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
