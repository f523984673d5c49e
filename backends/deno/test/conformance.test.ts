/**
 * The portio conformance suite (@portio/testkit) against the Deno backend, inside real Deno: the
 * same cases the Node and Bun backends run in their runtimes.
 *
 * Run: `pnpm test` in backends/deno, which starts vitest under Deno (`deno run -A --unstable-net`;
 * vitest's forked workers are Deno processes with the same flags, and /proc/self/fd, which the fd
 * count reads, needs -A).
 */
import { denoBackend, hasUnstableNet } from "@portio/deno";
import { registerConformance, type ConformanceHarness } from "@portio/testkit";
import { getDenoBinder } from "../src/libc-binder.ts";
import { describe, it } from "vitest";
import { countOpenFds, makeTempDir, openFdTargets, removeDir } from "./harness.ts";
import { libcRawSockets, libcTcpOptionReader, reactorIdle } from "@portio/libc-socket/testing";
import { generateTestCertificates, procFiles, socketFileTools, spawnProcess } from "@portio/node-shared/testing";

const skip: Record<string, string> = {};
for (const family of ["ipv4", "ipv6"]) {
  skip[`tcp-stream/receive-exception-cause-preserved[${family}]`] =
    "Deno.Conn.read() reports a connection reset by the peer (ECONNRESET) as end of stream (it resolves null), so receive() " +
    "after a reset raises EndOfStream instead of BrokenResourceError; sends still fail with EPIPE (send-exception-cause-preserved passes)";
}
for (const id of ["connect-keepalive-idle", "listener-keepalive-idle", "live-keepalive-idle"]) {
  skip[`tcp-options/${id}`] =
    "Deno.TcpConn.setKeepAlive only turns keep-alive on or off and Deno's connections expose no fd, so the Deno backend refuses " +
    "keepAlive: { initialDelayMs } with UnsupportedError (backends/deno/test/tcp-options.test.ts asserts it)";
}
if (!hasUnstableNet()) {
  skip["tcp-listener/reuse-port"] =
    "Deno.listen({ reusePort }) is an unstable API: without --unstable-net the Deno backend refuses reusePort with UnsupportedError";
}

const harness: ConformanceHarness = {
  runtime: `deno ${Deno.version.deno}`,
  backend: denoBackend,
  makeTempDir,
  removeDir,
  // The libc reactor may hold its wake-up fd for a moment after the last socket closed.
  countOpenFds: async () => {
    await reactorIdle(getDenoBinder());
    return countOpenFds();
  },
  openFdTargets,
  skip,
  // Raw fds for the adoption cases, through libc (--allow-ffi).
  socketFiles: socketFileTools(),
  rawSockets: libcRawSockets(getDenoBinder()),
  // The kernel's TCP options of a stream (getsockopt; through /proc where the runtime gives no fd).
  tcpOptions: libcTcpOptionReader(getDenoBinder(), procFiles()),
  // Peers in other processes (python3), for the cases that kill their peer.
  spawnProcess,
  // Made once per run with the openssl CLI; nothing key-like is committed.
  tlsCertificates: (() => {
    let made: ReturnType<typeof generateTestCertificates> | undefined;
    return () => (made ??= generateTestCertificates());
  })(),
};

await registerConformance(harness, {
  describe,
  test: (name, fn, timeoutMs) => it(name, fn, timeoutMs),
  skip: (name, reason) => it.skip(`${name} (skipped: ${reason})`, () => {}),
});
