#!/usr/bin/env node
// `deno publish --dry-run` for every package published to JSR, offline. Exits non-zero on failure.
//
// Usage: node scripts/jsr-dry-run.mjs [--keep]   (--keep leaves the staging directory for a look)
//
// The packages depend on each other through `jsr:@portio/...@^0.1.0` (their jsr.json "imports"),
// versions that are not on jsr.io yet, or not this commit's. Deno resolves such specifiers to local
// packages only inside a workspace, and a workspace needs a deno.json at its root. A deno.json at
// the repository root would be picked up by every deno command run without --no-config (editors,
// ad-hoc `deno run`), so the workspace is assembled in a temporary directory instead: each
// package's jsr.json, src/ and README.md, at the same relative paths. Nothing is fetched: workspace
// members resolve locally, node: built-ins are typed by Deno itself, and no package imports npm:,
// jsr: or https: modules of its own (`unshare -n` verified this: the run works without a network).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packages = [
  "packages/core",
  "packages/testkit",
  "packages/libc-socket",
  "packages/node-compat",
  "packages/portio",
  "backends/deno",
];
const deno = join(root, "node_modules/deno/deno"); // the real binary, not npm's wrapper
const keep = process.argv.includes("--keep");

let failed = false;
for (const dir of packages) {
  // A version mismatch would publish one number to npm and another to JSR.
  const jsr = JSON.parse(readFileSync(join(root, dir, "jsr.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  if (jsr.version !== pkg.version) {
    console.error(`${dir}: jsr.json version ${jsr.version} != package.json version ${pkg.version}`);
    failed = true;
  }
}

const stage = mkdtempSync(join(tmpdir(), "portio-jsr-"));
try {
  for (const dir of packages) {
    for (const entry of ["jsr.json", "src", "README.md", "LICENSE"]) {
      const from = join(root, dir, entry);
      if (existsSync(from)) cpSync(from, join(stage, dir, entry), { recursive: true });
    }
  }
  writeFileSync(join(stage, "deno.json"), JSON.stringify({ workspace: packages.map((dir) => `./${dir}`) }, null, 2));

  const args = [
    "publish",
    "--dry-run",
    // The staging directory is no git checkout, and CI may run with local changes.
    "--allow-dirty",
    // Relative imports are written `./x.js` for tsc and tsup; publishing rewrites them to `./x.ts`.
    "--unstable-sloppy-imports",
  ];
  console.log(`deno ${args.join(" ")}  (workspace of ${packages.length} packages in ${stage})`);
  const run = spawnSync(deno, args, { cwd: stage, stdio: "inherit", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  if (run.error) console.error(run.error.message);
  if (run.status !== 0) failed = true;
} finally {
  if (keep) console.log(`staging directory kept: ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

console.log(failed ? "jsr dry run: FAILED" : `jsr dry run: ${packages.length} packages ok`);
process.exit(failed ? 1 : 0);
