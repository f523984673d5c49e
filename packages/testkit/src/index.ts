/**
 * `@portio/testkit`: portio's backend conformance suite. It ports AnyIO's socket tests and adds
 * portio's own rules (cancellation keeps data, backpressure, serve()), written with web-standard
 * APIs only, so that every backend — Node, Deno, Bun, or a third party's — runs the very same
 * cases inside its own runtime and test runner. The runtime lends what the cases cannot do
 * portably through a {@link ConformanceHarness}.
 *
 * @example
 * ```ts
 * // backends/node/test/conformance.test.ts
 * import { describe, it } from "vitest";
 * import { registerConformance } from "@portio/testkit";
 *
 * await registerConformance(
 *   { runtime: `node ${process.versions.node}`, backend: nodeBackend, makeTempDir, removeDir },
 *   {
 *     describe,
 *     test: (name, fn, timeoutMs) => it(name, fn, timeoutMs),
 *     skip: (name, reason) => it.skip(`${name} (skipped: ${reason})`, () => {}),
 *   },
 * );
 * ```
 * @module
 */

export type {
  ConformanceCase,
  ConformanceHarness,
  ConformanceRunner,
  RawSocket,
  RawSocketFactory,
  RawSocketState,
  SpawnedProcess,
  TLSTestCertificates,
  FileFacts,
  OtherUserProber,
  ProbeCounts,
  SocketFileTools,
  KernelTCPOptions,
  TCPOptionReader,
} from "./harness.ts";
export { findTcpSocketFd, type ProcFiles } from "./support/proc-sockets.ts";
export { conformanceCases, registerConformance } from "./register.ts";
export { describeFdChange } from "./support/fd-change.ts";
export { runtimeFdsSettled } from "./support/runtime-fds.ts";
export { settledCount } from "./support/settled-count.ts";
export { concat, pattern } from "./support/bytes.ts";
export * from "./assert.ts";
