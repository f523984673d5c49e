import { expect, it } from "vitest";
import { plainTcpExchange } from "./lazy-helpers.ts";

// Node's record of the built-in modules this process has loaded (undocumented; present since Node 0.x).
const loadedModules = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

// node:tls (and the node:crypto it loads) made every importer's heap about 0.7 MB larger, marked
// again in each of Node 24's external-memory mark-compacts during a bulk receive: it is loaded
// for TLS only (loadNodeTls). Each test file runs in its own process (vitest.config.ts: forks).
it("plain TCP through portio leaves node:tls unloaded", async () => {
  await plainTcpExchange();
  expect(loadedModules()).toContain("NativeModule net");
  expect(loadedModules().filter((name) => name === "NativeModule tls" || name === "NativeModule crypto")).toEqual([]);
});
