/**
 * Process lifetime with Unix datagram sockets: a Node process that created, used and closed them
 * exits by itself (the libc reactor holds the event loop only while something waits), and one
 * with a receive still pending does not.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openFdCount } from "./helpers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

let dir: string;
let childScript: (body: string) => Promise<string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portio-dgram-child-"));
  // The sources bundled into a plain script a child `node` can run (Node 20 has no type
  // stripping); koffi stays external and resolves through NODE_PATH. esbuild's CLI rather than
  // its API, whose service process would hold fds in this process.
  const esbuildPackage = createRequire(createRequire(import.meta.url).resolve("tsup", { paths: [root] })).resolve(
    "esbuild/package.json",
  );
  const esbuild = join(esbuildPackage, "../bin/esbuild");
  childScript = async (body: string): Promise<string> => {
    const entry = join(dir, `entry-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(
      entry,
      [
        `import { createUnixDatagramSocket, setBackend, socketpair } from "@portio/core";`,
        `import { nodeBackend } from "@portio/node";`,
        `setBackend(nodeBackend);`,
        body,
      ].join("\n"),
    );
    const outfile = entry.replace(/\.ts$/, ".mjs");
    await new Promise<void>((resolve, reject) => {
      execFile(
        esbuild,
        [
          entry,
          `--outfile=${outfile}`,
          "--bundle",
          "--format=esm",
          "--platform=node",
          "--external:koffi",
          `--alias:@portio/core/backend=${join(root, "packages/core/src/backend/index.ts")}`,
          `--alias:@portio/core=${join(root, "packages/core/src/index.ts")}`,
          `--alias:@portio/libc-socket=${join(root, "packages/libc-socket/src/index.ts")}`,
          `--alias:@portio/node-shared=${join(root, "packages/node-shared/src/index.ts")}`,
          `--alias:@portio/node=${join(root, "backends/node/src/index.ts")}`,
          "--log-level=error",
        ],
        { timeout: 30_000 },
        (error) => (error ? reject(error) : resolve()),
      );
    });
    return outfile;
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fdsBefore = 0;
beforeEach(() => {
  fdsBefore = openFdCount();
});
afterEach(() => {
  expect(openFdCount()).toBe(fdsBefore);
});

const run = (script: string, timeout: number) =>
  new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [script],
      {
        timeout,
        env: { ...process.env, NODE_PATH: join(root, "backends/node/node_modules") },
      },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          signal: error?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });

describe("process lifetime", () => {
  it("a child that creates, uses and closes Unix datagram sockets exits by itself", async () => {
    const script = await childScript(`
      const path = "\\0portio-child-" + process.pid;
      const sock = await createUnixDatagramSocket({ localPath: path });
      const first = sock.receive();              // waits in the reactor: a poll is outstanding
      await sock.sendto(new Uint8Array([1, 2, 3]), path);
      console.log("received", (await first)[0].length);
      const abandoned = sock.receive().catch((e) => e.name);
      await sock.aclose();                       // wakes the pending poll
      console.log("abandoned", await abandoned);
      const [a, b] = await socketpair("dgram");
      await a.send(new Uint8Array([4]));
      console.log("pair", (await b.receive())[0]);
      await a.aclose(); await b.aclose();
      const [s, t] = await socketpair("stream");
      await s.send(new Uint8Array([5]));
      console.log("stream", (await t.receive())[0]);
      await s.aclose(); await t.aclose();
      // no process.exit(): the test fails on its timeout if anything keeps the loop alive
    `);
    const result = await run(script, 15_000);
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stdout).toBe("received 3\nabandoned ClosedResourceError\npair 4\nstream 5\n");
  });

  it("(control) a pending receive keeps a child alive", async () => {
    // An unref'd timer fires only while something else keeps the event loop alive: here the
    // outstanding poll. Were it not holding the loop, the child would exit before it.
    const script = await childScript(`
      const sock = await createUnixDatagramSocket({ localPath: "\\0portio-child-" + process.pid });
      void sock.receive();
      setTimeout(() => { console.log("still alive"); process.exit(0); }, 200).unref();
    `);
    const result = await run(script, 15_000);
    expect(result).toMatchObject({ code: 0, stdout: "still alive\n" });
  });
});
