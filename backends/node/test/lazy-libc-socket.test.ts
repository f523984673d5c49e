import { fileURLToPath } from "node:url";
import { socketpair } from "@portio/core";
import { expect, it } from "vitest";
import { plainTcpExchange } from "./lazy-helpers.ts";

/**
 * The source files this test process has evaluated: vitest runs them through Vite's module runner,
 * whose `evaluatedModules` (Vite's documented EvaluatedModules) this reads from vitest's worker
 * state (undocumented). Checked against files that must be there, so a change in vitest fails
 * the test rather than making it pass without looking.
 */
function evaluatedFiles(): string[] {
  const worker = (globalThis as { __vitest_worker__?: { evaluatedModules?: { fileToModulesMap?: Map<string, unknown> } } })
    .__vitest_worker__;
  const files = worker?.evaluatedModules?.fileToModulesMap;
  if (files === undefined) throw new Error("vitest's worker state has no evaluatedModules.fileToModulesMap any more");
  return [...files.keys()];
}

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const libcSocketEntry = source("../../../packages/libc-socket/src/index.ts");
const nodeSharedBackend = source("../../../packages/node-shared/src/backend.ts");

// @portio/libc-socket added about 0.3 MB to every importer's heap, marked again in each of Node
// 24's external-memory mark-compacts during a bulk receive: it is loaded for Unix sockets,
// socketpair() and adoption only (loadLibcSocket). Each test file runs in its own process
// (vitest.config.ts: forks).
it("plain TCP through portio leaves @portio/libc-socket unloaded until socketpair() needs it", async () => {
  await plainTcpExchange();
  expect(evaluatedFiles()).toContain(nodeSharedBackend);
  expect(evaluatedFiles()).not.toContain(libcSocketEntry);
  const [a, b] = await socketpair("stream");
  await a.send(Uint8Array.of(4));
  expect(await b.receive()).toEqual(Uint8Array.of(4));
  await a.aclose();
  await b.aclose();
  expect(evaluatedFiles()).toContain(libcSocketEntry);
});
