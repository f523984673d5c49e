/**
 * The portio conformance suite (@portio/testkit) against the Node backend: the same cases the
 * Deno and Bun backends run in their own runtimes. This file only lends the suite what it cannot
 * do with web-standard APIs (temporary directories, the fd count, raw socket fds for the adoption
 * cases) and adapts vitest.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { nodeBackend } from "@portio/node";
import { registerConformance, type ConformanceHarness } from "@portio/testkit";
import { getKoffiBinder } from "../src/libc-binder.ts";
import { nodeHasReusePort } from "../src/tcp.ts";
import { libcRawSockets, libcTcpOptionReader, reactorIdle } from "@portio/libc-socket/testing";
import { generateTestCertificates, procFiles, socketFileTools, spawnProcess } from "@portio/node-shared/testing";

const skip: Record<string, string> = {};
if (!nodeHasReusePort()) {
  skip["tcp-listener/reuse-port"] =
    `node:net has listen({ reusePort }) only from Node 22.12 / 23.1 on; on Node ${process.versions.node} the backend rejects reusePort with UnsupportedError`;
  for (const suite of ["udp", "connected-udp"]) {
    for (const family of ["ipv4", "ipv6"]) {
      skip[`${suite}/reuse-port[${family}]`] =
        `node:dgram has createSocket({ reusePort }) only from Node 22.12 / 23.1 on; on Node ${process.versions.node} the backend rejects reusePort with UnsupportedError`;
    }
  }
}

const harness: ConformanceHarness = {
  runtime: `node ${process.versions.node}`,
  backend: nodeBackend,
  // Short base path: Unix socket paths must stay under 108 bytes.
  makeTempDir: () => mkdtemp(join(tmpdir(), "portio-conf-")),
  removeDir: (path) => rm(path, { recursive: true, force: true }),
  // readdirSync's own directory fd is open during both counts, so it cancels out. The libc
  // reactor may hold its wake-up fd for a moment after the last socket closed: wait for idle.
  countOpenFds: async () => {
    await reactorIdle(getKoffiBinder());
    return readdirSync("/proc/self/fd").length;
  },
  skip,
  socketFiles: socketFileTools(),
  rawSockets: libcRawSockets(getKoffiBinder()),
  // The kernel's TCP options of a stream (getsockopt; through /proc where the runtime gives no fd).
  tcpOptions: libcTcpOptionReader(getKoffiBinder(), procFiles()),
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
