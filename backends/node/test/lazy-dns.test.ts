import { SocketAttribute, connectTcp, createTcpListener, setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { expect, it } from "vitest";

// Node's record of the built-in modules this process has loaded (undocumented; present since Node 0.x).
const loadedModules = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

// node:dns/promises added about 70 KB to every importer's heap, which Node 24 marks again in each
// of a bulk receive's external-memory mark-compacts: it is loaded for name resolution only (dns.ts
// in node-shared). Each test file runs in its own process (vitest.config.ts: forks).
it("TCP to IP addresses leaves node:dns/promises unloaded until a host name is resolved", async () => {
  setBackend(nodeBackend);
  const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const port = listener.extra(SocketAttribute.localPort);
  const client = await connectTcp("127.0.0.1", port);
  const server = await listener.accept();
  await client.send(Uint8Array.of(1, 2, 3));
  expect(await server.receive()).toEqual(Uint8Array.of(1, 2, 3));
  await client.aclose();
  await server.aclose();
  expect(loadedModules()).toContain("NativeModule net");
  expect(loadedModules()).not.toContain("NativeModule dns/promises");
  // A host name does load it, and resolves through it.
  const byName = await connectTcp("localhost", port);
  const accepted = await listener.accept();
  await byName.aclose();
  await accepted.aclose();
  await listener.aclose();
  expect(loadedModules()).toContain("NativeModule dns/promises");
});
