/**
 * The umbrella package `portio`: which backend each export condition registers.
 *
 * In-process, `portio` is aliased to its source Node entry (root vitest.config.ts). The condition
 * checks load the BUILT package (packages/portio/dist, through examples/echo's workspace link) in
 * fresh processes: Node with its default conditions, Node with `--conditions=deno`, and the real
 * Bun and Deno binaries. `pnpm test` builds first; without a build those cases are skipped, and
 * say so.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as core from "@portio/core";
import { nodeBackend } from "@portio/node";
import * as portio from "portio";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const consumer = `${root}examples/echo`; // has node_modules/portio -> packages/portio
const built = existsSync(`${root}packages/portio/dist/node.js`);
const noBuild = "packages/portio/dist is missing: run `pnpm build` first (`pnpm test` does)";

// Prints the registered backend's name (or "none"), then what a network call does.
const probe = `
const m = await import("portio");
console.log(JSON.stringify({
  backend: m.peekBackend()?.name ?? "none",
  error: await m.connectTcp("127.0.0.1", 9).then(
    (s) => { s.aclose(); return null; },
    (e) => (e instanceof m.ConnectionFailed ? "ConnectionFailed" : String(e.message)),
  ),
}));
`;

// Bun applies a package's tsconfig.json `paths` at run time, also to the package's built files:
// while backends/bun had paths to core's sources, `import "portio"` from a workspace or `pnpm link`
// layout loaded core twice (portio's dist got core/dist, the Bun backend's dist got core/src), and
// errors the backend threw failed `instanceof` against the classes the application imported.
// This probe loads portio the way such a user does and prints which core file each package gets
// and whether an error the Bun backend throws (non-UTF-8 Unix path) is core's UnsupportedError.
const bunCopiesProbe = `
const m = await import("portio");
const dir = (p) => Bun.fileURLToPath(new URL(p, Bun.pathToFileURL(Bun.resolveSync("portio", process.cwd()))));
const error = await m.connectUnix(new Uint8Array([0xff, 0xfe, 0x41])).then(
  (s) => { s.aclose(); return "connected"; },
  (e) => e instanceof m.UnsupportedError ? "UnsupportedError" : \`\${e.constructor.name}: \${e.message}\`,
);
console.log(JSON.stringify({
  cores: [...new Set([dir("./"), dir("../../../backends/bun/dist/"), dir("../../node-shared/dist/")].map((d) => Bun.resolveSync("@portio/core", d)))],
  error,
}));
`;

function run(command: string, args: string[]): Promise<{ backend: string; error: string | null }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: consumer, timeout: 15_000, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || error.message}`));
        resolve(JSON.parse(stdout.trim().split("\n").pop()!));
      },
    );
  });
}

describe("portio (umbrella)", () => {
  it("registers the Node backend on import and re-exports core's API unchanged", () => {
    expect(core.peekBackend()).toBe(nodeBackend);
    expect(portio.connectTcp).toBe(core.connectTcp);
    expect(portio.createTcpListener).toBe(core.createTcpListener);
    expect(portio.EndOfStream).toBe(core.EndOfStream);
    expect(portio.setBackend).toBe(core.setBackend);
  });

  it.skipIf(!built)(`the "node" condition registers the Node backend${built ? "" : ` (skipped: ${noBuild})`}`, async () => {
    const result = await run(process.execPath, ["--input-type=module", "-e", probe]);
    // port 9 (discard) is closed on loopback: the Node backend really tried to connect
    expect(result).toEqual({ backend: "node", error: "ConnectionFailed" });
  });

  // Each runtime's condition registers that runtime's own backend (never the Node one).
  it.skipIf(!built)(`inside Bun, "portio" registers the Bun backend${built ? "" : ` (skipped: ${noBuild})`}`, async () => {
    const result = await run(`${root}node_modules/.bin/bun`, ["-e", probe]);
    expect(result).toEqual({ backend: "bun", error: "ConnectionFailed" });
  });

  it.skipIf(!built)(
    `inside Bun, a workspace or linked portio loads one copy of @portio/core${built ? "" : ` (skipped: ${noBuild})`}`,
    async () => {
      const result = (await run(`${root}node_modules/.bin/bun`, ["-e", bunCopiesProbe])) as unknown as {
        cores: string[];
        error: string;
      };
      expect(result).toEqual({ cores: [`${root}packages/core/dist/index.js`], error: "UnsupportedError" });
    },
  );

  it.skipIf(!built)(`inside Deno, "portio" registers the Deno backend${built ? "" : ` (skipped: ${noBuild})`}`, async () => {
    const result = await run(`${root}node_modules/deno/deno`, ["eval", "--allow-net", probe]);
    expect(result).toEqual({ backend: "deno", error: "ConnectionFailed" });
  });
});

// `portio/node-stream` (toNodeDuplex) loads from the built package in every runtime that has node:stream.
const nodeStreamProbe = `
const m = await import("portio/node-stream");
console.log(JSON.stringify({ backend: typeof m.toNodeDuplex, error: null }));
`;

describe("portio/node-stream", () => {
  for (const [runtime, command, args] of [
    ["Node", process.execPath, ["--input-type=module", "-e", nodeStreamProbe]],
    ["Bun", `${root}node_modules/.bin/bun`, ["-e", nodeStreamProbe]],
    ["Deno", `${root}node_modules/deno/deno`, ["eval", nodeStreamProbe]],
  ] as const) {
    it.skipIf(!built)(`loads in ${runtime} and exports toNodeDuplex${built ? "" : ` (skipped: ${noBuild})`}`, async () => {
      const result = await run(command, [...args]);
      expect(result).toEqual({ backend: "function", error: null });
    });
  }
});
