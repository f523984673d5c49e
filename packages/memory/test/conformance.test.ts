/**
 * The portio conformance suite (@portio/testkit) against the memory backend. The same file runs
 * under vitest on Node, Bun and Deno (this package's "test:bun" / "test:deno" start vitest inside
 * that runtime), so the backend is proven in all three runtimes.
 *
 * No temporary directories: Unix paths on a memory network are names in the network's own table,
 * never files, so the harness hands out fresh names and has nothing to remove.
 */
import { readdirSync } from "node:fs";
import { describe, it } from "vitest";
import { detectRuntime } from "@portio/core";
import { registerConformance, type ConformanceHarness } from "@portio/testkit";
import { generateTestCertificates } from "@portio/node-shared/testing";
import { createMemoryNetwork, memoryBackend } from "../src/index.ts";
import { nodeTls } from "../src/node-tls.ts";
import { memoryTcpOptions } from "./helpers.ts";

const runtime = detectRuntime();
const version =
  runtime === "deno"
    ? (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
    : runtime === "bun"
      ? (globalThis as unknown as { Bun: { version: string } }).Bun.version
      : process.versions.node;

let dirs = 0;
const network = createMemoryNetwork();
const certificates = generateTestCertificates();

const harness: ConformanceHarness = {
  runtime: `${runtime} ${version}`,
  backend: memoryBackend(network, { tls: nodeTls }),
  makeTempDir: async () => `/memory-${++dirs}`,
  removeDir: async () => {},
  // The memory backend must not open a single fd: every case checks the count stays the same.
  countOpenFds: () => readdirSync("/proc/self/fd").length,

  rawSocketsUnavailable:
    "the memory backend has no file descriptors, so there are no raw fds to adopt (or to raise SO_SNDBUF on): " +
    "adoption (fromSocket, wrapClientSocket, wrapServerSocket, inspectSocket) is refused with UnsupportedError, " +
    "which packages/memory/test/adoption.test.ts asserts",
  tlsCertificates: () => certificates,
  // No kernel here: the network's own record of each connection end's options (what a kernel would hold).
  tcpOptions: { read: (stream) => memoryTcpOptions(network, stream) },
};

await registerConformance(harness, {
  describe,
  test: (name, fn, timeoutMs) => it(name, fn, timeoutMs),
  skip: (name, reason) => it.skip(`${name} (skipped: ${reason})`, () => {}),
});
