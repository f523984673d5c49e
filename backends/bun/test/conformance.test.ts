/**
 * The portio conformance suite (@portio/testkit) against the Bun backend, inside the real Bun
 * runtime: vitest started under Bun (`bun --bun`), whose forked workers are Bun processes. This
 * file only lends the suite what it cannot do with web-standard APIs (temporary directories, the
 * fd count, certificates) and adapts vitest.
 *
 * Run: `pnpm test` in backends/bun (vitest.config.ts there aliases @portio/* to the workspace
 * sources: one copy of @portio/core; no build).
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "vitest";
import { bunBackend } from "@portio/bun";
import { registerConformance, type ConformanceHarness } from "@portio/testkit";
import { getBunFfiBinder } from "../src/libc-binder.ts";
import { libcRawSockets, libcTcpOptionReader, reactorIdle } from "@portio/libc-socket/testing";
import { generateTestCertificates, procFiles, socketFileTools, spawnProcess } from "@portio/node-shared/testing";

/** Cases that cannot pass on Bun, each with the true reason (the README's runtime table repeats them). */
const skip: Record<string, string> = {};

const certificates = generateTestCertificates();

const harness: ConformanceHarness = {
  runtime: `bun ${Bun.version}`,
  backend: bunBackend,
  // Short base path: Unix socket paths must stay under 108 bytes.
  makeTempDir: () => mkdtemp(join(tmpdir(), "portio-conf-")),
  removeDir: (path) => rm(path, { recursive: true, force: true }),
  // readdirSync's own directory fd is open during both counts, so it cancels out. The libc
  // reactor may hold its wake-up fd for a moment after the last socket closed: wait for idle.
  countOpenFds: async () => {
    await reactorIdle(getBunFfiBinder());
    return readdirSync("/proc/self/fd").length;
  },
  skip,
  socketFiles: socketFileTools(),
  rawSockets: libcRawSockets(getBunFfiBinder()),
  // The kernel's TCP options of a stream (getsockopt; through /proc where the runtime gives no fd).
  tcpOptions: libcTcpOptionReader(getBunFfiBinder(), procFiles()),
  // Peers in other processes (python3), for the cases that kill their peer.
  spawnProcess,
  // Made before the cases, not lazily in the first TLS case: Bun's first child process (openssl)
  // opens Bun's spawn event loop fds for good, which that case's fd count would blame on it.
  tlsCertificates: () => certificates,
};

// The libc reactor's poll Worker lives as long as the process, and its thread holds a few fds of
// its own (its event loop). Started here, before the per-case fd counts, so that the first case
// that waits on a libc socket is not blamed for them. A poll of no fds returns at once.
await getBunFfiBinder().pollAsync(new Uint8Array(8), 0, 0);

await registerConformance(harness, {
  describe,
  test: (name, fn, timeoutMs) => test(name, fn, timeoutMs),
  skip: (name, reason) => test.skip(`${name} (skipped: ${reason})`, () => {}),
});
