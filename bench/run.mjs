// @ts-check
// `pnpm bench` (after building): runs bench/main.mjs under the machine's Node (20) and under the
// pinned second Node major (node_modules/.bin/node), one after the other, and prints all ratios.
//
//   node bench/run.mjs [--node /path/to/node ...] [main.mjs options: --rounds N --warmups N
//                      --bulk-mib N --pings N --pin split|same|none]
//
// Note that inside a pnpm script `node` is node_modules/.bin/node (the second major), so the
// machine's Node is looked up on PATH outside node_modules.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);

function systemNode() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    try {
      accessSync(join(dir, "node"), constants.X_OK);
      return join(dir, "node");
    } catch {}
  }
  return process.execPath;
}

const nodes = [];
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--node") nodes.push(args[++i]);
  else rest.push(args[i]);
}
if (nodes.length === 0) nodes.push(systemNode(), join(root, "node_modules", ".bin", "node"));

mkdirSync(join(root, ".tmp"), { recursive: true });
const all = [];
for (const [i, node] of nodes.entries()) {
  const out = join(root, ".tmp", `bench-${i}.json`);
  const code = await new Promise((resolve) => {
    const child = spawn(node, [join(here, "main.mjs"), "--json", out, ...rest], { stdio: "inherit" });
    child.on("error", () => resolve(127));
    child.on("exit", (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    console.error(`bench under ${node} failed (exit ${code})`);
    process.exitCode = 1;
    continue;
  }
  all.push(JSON.parse(readFileSync(out, "utf8")));
}

console.log(`\nsummary (${cpus().length} × ${cpus()[0]?.model.trim()}; ratio = portio / raw, higher is better)`);
for (const run of all) {
  for (const r of run.results) console.log(`  ${run.runtime.padEnd(14)} ${r.job.padEnd(40)} ratio ${r.ratio.toFixed(3)}  (target ≥ ${r.target.toFixed(2)})`);
}
