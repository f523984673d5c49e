import { SocketAttribute, connectTcp, createTcpListener, setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { expect, it } from "vitest";

// Node's record of the built-in modules this process has loaded (undocumented; present since Node 0.x).
const loadedModules = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

// node:tls (and the node:crypto it loads) made every importer's heap about 0.7 MB larger, marked
// again in each of Node 24's external-memory mark-compacts during a bulk receive: it is loaded
// for TLS only (loadNodeTls). Each test file runs in its own process (vitest.config.ts: forks).
it("plain TCP through portio leaves node:tls unloaded", async () => {
  setBackend(nodeBackend);
  const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  const server = await listener.accept();
  await client.send(Uint8Array.of(1, 2, 3));
  expect(await server.receive()).toEqual(Uint8Array.of(1, 2, 3));
  await client.aclose();
  await server.aclose();
  await listener.aclose();
  expect(loadedModules()).toContain("NativeModule net");
  expect(loadedModules().filter((name) => name === "NativeModule tls" || name === "NativeModule crypto")).toEqual([]);
});
