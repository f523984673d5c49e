// @ts-check
// `pnpm bench` (after building): every benchmark in one invocation, then one table of ratios.
//
//   node bench/run.mjs [--only tcp,udp,unix-dgram,tls,memory] [--runtimes node20,node24,bun,deno]
//                      [--quick] [--rounds N] [--warmups N] [--bulk-mib N] [--pings N]
//                      [--datagrams N] [--pin split|same|none] [--node PATH ...] [--timeout S]
//
// Per Node major (the machine's Node and node_modules/.bin/node): main.mjs (tcp), udp.mjs (udp),
// unix-dgram.mjs (unix-dgram), tls.mjs (tls), memory.mjs (memory). Then bun-main.mjs (tcp, udp) under
// node_modules/.bin/bun and backends/deno/bench/tcp.ts (tcp) under node_modules/.bin/deno.
// Each script keeps its own method and defaults; the options here are translated to each
// script's flag names, and are left out when not given so that the defaults documented in each
// header stay the reference. `--quick` is a smoke test (small sizes, few rounds), not a result.
//
// The scripts run one after the other, never in parallel: on 2 cores a concurrent job would be
// measured as much as portio. The summary is also written to .tmp/bench-summary.json.
//
// Inside a pnpm script `node` is node_modules/.bin/node (the second major), so the machine's
// Node is looked up on PATH outside node_modules.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
// Deno: the real binary, not npm's Node wrapper (node_modules/.bin/deno).
const bin = (name) => (name === "deno" ? join(root, "node_modules", "deno", "deno") : join(root, "node_modules", ".bin", name));
process.env.DENO_NO_UPDATE_CHECK ??= "1";
const args = process.argv.slice(2);

const nodePaths = [];
const opts = new Map();
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--node") nodePaths.push(args[++i]);
  else if (a === "--quick") opts.set("quick", "1");
  else if (a.startsWith("--")) opts.set(a.slice(2), args[++i]);
  else throw new Error(`unexpected argument ${a}`);
}
const known = new Set(["quick", "only", "runtimes", "rounds", "warmups", "bulk-mib", "pings", "datagrams", "pin", "timeout"]);
for (const k of opts.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);

const quick = opts.has("quick");
/** An option's value, else the --quick value, else undefined (= the script's own default). */
const opt = (name, quickValue) => opts.get(name) ?? (quick ? quickValue : undefined);
const rounds = opt("rounds", "3");
const warmups = opt("warmups", "1");
const bulkMib = opt("bulk-mib", "32");
const pings = opt("pings", "2000");
const datagrams = opt("datagrams", "20000");
const pin = opt("pin", undefined);
// A hung script must not take the whole run with it; the slowest default script takes ~1 min.
const timeoutMs = Number(opts.get("timeout") ?? 300) * 1000;
const onlyJobs = new Set((opts.get("only") ?? "tcp,udp,unix-dgram,tls,memory").split(","));
const onlyRuntimes = opts.has("runtimes") ? new Set(opts.get("runtimes")?.split(",")) : undefined;
for (const j of onlyJobs) if (!["tcp", "udp", "unix-dgram", "tls", "memory"].includes(j)) throw new Error(`unknown job ${j}`);

/** Appends `--flag value` for each given value; undefined means the script's default. */
const flags = (pairs) => pairs.flatMap(([flag, value]) => (value === undefined ? [] : [`--${flag}`, String(value)]));

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

const version = (cmd, argv) => {
  try {
    return execFileSync(cmd, argv, { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return undefined;
  }
};

// ---- the plan ----------------------------------------------------------------------------------

const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });
let seq = 0;

/**
 * @typedef {{ job: string, unit?: string, target: number, raw: number, portio: number, ratio: number, note?: string }} Row
 * @typedef {{ runtime: string, kind: string, script: string, cmd: string, argv: string[], env?: Record<string, string>,
 *             parse: (stdout: string) => Row[] }} Step
 */
/** @type {Step[]} */
const steps = [];

const fromJson = (json) => JSON.parse(readFileSync(json, "utf8")).results;

for (const node of nodePaths.length ? nodePaths : [systemNode(), bin("node")]) {
  const v = version(node, ["--version"]);
  if (!v) {
    console.error(`skipping ${node}: not runnable`);
    continue;
  }
  const runtime = `node${v.replace(/^v(\d+).*/, "$1")}`;
  if (onlyRuntimes && !onlyRuntimes.has(runtime) && !onlyRuntimes.has("node")) continue;
  const json = () => join(tmp, `bench-${seq++}.json`);
  const add = (kind, script, extra, parse = (_out, j) => fromJson(j)) => {
    if (!onlyJobs.has(kind)) return;
    const out = json();
    steps.push({ runtime: `${runtime} (${v})`, kind, script, cmd: node, argv: [join(here, script), "--json", out, ...extra], parse: (s) => parse(s, out) });
  };
  add("tcp", "main.mjs", flags([["rounds", rounds], ["warmups", warmups], ["bulk-mib", bulkMib], ["pings", pings], ["pin", pin]]));
  add("udp", "udp.mjs", flags([["rounds", rounds], ["warmups", warmups], ["count", datagrams], ["pin", pin]]));
  add("unix-dgram", "unix-dgram.mjs", flags([["rounds", rounds], ["warmups", warmups], ["count", datagrams]]), (_out, j) => {
    const { summary, ratio, count, size } = JSON.parse(readFileSync(j, "utf8"));
    return [{
      job: `unix dgram socketpair, ${count} × ${size} B (vs raw LibcSocket)`, unit: "datagrams/s", target: 0.9,
      raw: summary.raw.rate, portio: summary.portio.rate, ratio,
      note: `node:dgram UDP reference ${Math.round(summary.udp.rate).toLocaleString("en-US")}/s`,
    }];
  });
  add("tls", "tls.mjs", flags([["rounds", rounds], ["warmups", warmups], ["mib", bulkMib]]), (_out, j) =>
    fromJson(j).map((/** @type {Row} */ r) => ({ ...r, unit: "MB/s" })));
  add("memory", "memory.mjs", flags([["rounds", rounds], ["warmups", warmups], ["bulk-mib", bulkMib], ["pings", pings]]));
}

// The memory backend under Bun and Deno too (it is runtime-free; "portio" resolves to that
// runtime's backend there, through node_modules and the export conditions).
for (const runtime of ["bun", "deno"]) {
  if ((onlyRuntimes && !onlyRuntimes.has(runtime)) || !onlyJobs.has("memory")) continue;
  const v = version(bin(runtime), ["--version"])?.replace(/^deno (\S+).*/, "$1");
  const out = join(tmp, `bench-${seq++}.json`);
  const memoryFlags = flags([["rounds", rounds], ["warmups", warmups], ["bulk-mib", bulkMib], ["pings", pings]]);
  steps.push({
    runtime: `${runtime} (${v})`, kind: "memory", script: "memory.mjs", cmd: bin(runtime),
    argv: [...(runtime === "deno" ? ["run", "--allow-all", "--no-lock"] : []), join(here, "memory.mjs"), "--json", out, ...memoryFlags],
    parse: () => fromJson(out),
  });
}

if ((!onlyRuntimes || onlyRuntimes.has("bun")) && (onlyJobs.has("tcp") || onlyJobs.has("udp"))) {
  const v = version(bin("bun"), ["--version"]);
  const out = join(tmp, `bench-${seq++}.json`);
  const jobs = ["tcp", "udp"].filter((j) => onlyJobs.has(j)).join(",");
  steps.push({
    runtime: `bun (${v})`, kind: jobs, script: "bun-main.mjs", cmd: bin("bun"),
    argv: [join(here, "bun-main.mjs"), "--json", out, "--jobs", jobs,
      ...flags([["rounds", rounds], ["bulk-mib", bulkMib], ["pings", pings], ["datagrams", datagrams], ["pin", pin]])],
    parse: () => fromJson(out),
  });
}

// TLS on Bun: the same tls.mjs under Bun ("portio" resolves to the Bun backend there), against
// Bun's node:tls as raw.
if ((!onlyRuntimes || onlyRuntimes.has("bun")) && onlyJobs.has("tls")) {
  const v = version(bin("bun"), ["--version"]);
  const out = join(tmp, `bench-${seq++}.json`);
  steps.push({
    runtime: `bun (${v})`, kind: "tls", script: "tls.mjs", cmd: bin("bun"),
    argv: [join(here, "tls.mjs"), "--json", out, ...flags([["rounds", rounds], ["warmups", warmups], ["mib", bulkMib]])],
    parse: () => fromJson(out).map((/** @type {Row} */ r) => ({ ...r, unit: "MB/s" })),
  });
}

if ((!onlyRuntimes || onlyRuntimes.has("deno")) && onlyJobs.has("tcp")) {
  const v = version(bin("deno"), ["--version"])?.replace(/^deno (\S+).*/, "$1");
  /** @type {Record<string, string>} */
  const env = {};
  if (rounds !== undefined) env.ROUNDS = rounds;
  if (bulkMib !== undefined) env.BULK_MIB = bulkMib;
  if (pings !== undefined) env.PINGS = pings;
  steps.push({
    runtime: `deno (${v})`, kind: "tcp", script: "backends/deno/bench/tcp.ts", cmd: bin("deno"), env,
    // The flags of the run command in the script's header.
    argv: ["run", "--no-config", "--no-lock", "--no-check", "--node-modules-dir=manual",
      "--conditions=portio-source", "--allow-net", "--allow-env", "backends/deno/bench/tcp.ts"],
    // tcp.ts has no JSON output (and lives outside bench/), so its summary lines are parsed.
    parse: (stdout) => {
      const bulk = /bulk TCP (\d+) MiB in 64 KiB writes: raw Deno\.connect (\d+) MB\/s, portio (\d+) MB\/s/.exec(stdout);
      const ping = /64 B ping-pong: raw (\d+) rt\/s, portio (\d+) rt\/s/.exec(stdout);
      const perRound = /per-round ratios \(median\): bulk ([\d.]+), ping-pong ([\d.]+)/.exec(stdout);
      if (!bulk || !ping) throw new Error("could not parse deno tcp.ts output");
      return [
        { job: `bulk TCP, ${bulk[1]} MiB in 64 KiB writes (one process)`, unit: "MB/s", target: 0.95, raw: +bulk[2], portio: +bulk[3], ratio: +bulk[3] / +bulk[2], note: perRound ? `median per-round ratio ${perRound[1]}` : undefined },
        { job: "64 B ping-pong (one process)", unit: "rt/s", target: 0.9, raw: +ping[1], portio: +ping[2], ratio: +ping[2] / +ping[1], note: perRound ? `median per-round ratio ${perRound[2]}` : undefined },
      ];
    },
  });
}

// ---- the run -----------------------------------------------------------------------------------

// Several scripts import "portio" from its build; without one they fail only after minutes.
if (!existsSync(join(root, "packages", "portio", "dist"))) {
  console.error("no build found: run `npx -y pnpm@12.4.2 run build` first (`pnpm bench` does)");
  process.exit(1);
}

const started = Date.now();
/** @type {{ runtime: string, rows: Row[], seconds: number, error?: string }[]} */
const outcomes = [];
for (const [i, step] of steps.entries()) {
  console.log(`\n==> [${i + 1}/${steps.length}] ${step.runtime}: ${step.script}`);
  const t0 = Date.now();
  const { code, stdout } = await new Promise((resolve) => {
    const child = spawn(step.cmd, step.argv, { cwd: root, env: { ...process.env, ...step.env }, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    const timer = setTimeout(() => {
      console.error(`${step.script} exceeded ${timeoutMs / 1000} s, killing it`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => resolve({ code: String(e), stdout }));
    child.on("close", (c, signal) => {
      clearTimeout(timer);
      resolve({ code: c ?? signal, stdout });
    });
  });
  const seconds = (Date.now() - t0) / 1000;
  if (code !== 0) {
    outcomes.push({ runtime: step.runtime, rows: [], seconds, error: `${step.script} failed (${code})` });
    process.exitCode = 1;
    continue;
  }
  try {
    outcomes.push({ runtime: step.runtime, rows: step.parse(stdout), seconds });
  } catch (error) {
    outcomes.push({ runtime: step.runtime, rows: [], seconds, error: `${step.script}: ${error}` });
    process.exitCode = 1;
  }
}

const fmt = (x, unit) =>
  unit === "rt/s" || unit === "datagrams/s" ? `${(x / 1000).toFixed(1)}k` : Math.round(x).toLocaleString("en-US");
const total = (Date.now() - started) / 1000;
console.log(`\nsummary: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${total.toFixed(0)} s${quick ? ", --quick (smoke test, not a result)" : ""}; ratio = portio / raw, higher is better\n`);
console.log("| job | runtime | raw | portio | ratio | target | met? |");
console.log("|---|---|---|---|---|---|---|");
for (const o of outcomes) {
  if (o.error) console.log(`| ${o.error} | ${o.runtime} | | | | | **failed** |`);
  for (const r of o.rows) {
    const unit = r.unit ?? "";
    const met = r.ratio >= r.target ? "yes" : "**no**";
    console.log(`| ${r.job} | ${o.runtime} | ${fmt(r.raw, unit)} ${unit} | ${fmt(r.portio, unit)} ${unit} | ${r.ratio.toFixed(2)} | ≥ ${r.target.toFixed(2)} | ${met} |`);
  }
}
for (const o of outcomes) for (const r of o.rows) if (r.note) console.log(`  note, ${o.runtime}, ${r.job}: ${r.note}`);
console.log(`\nwall time per script: ${outcomes.map((o, i) => `${steps[i].runtime.split(" ")[0]} ${steps[i].script.split("/").pop()} ${o.seconds.toFixed(0)} s`).join(", ")}`);
writeFileSync(join(tmp, "bench-summary.json"), JSON.stringify({ date: new Date().toISOString(), quick, total, outcomes }, null, 2));
for (let i = 0; i < seq; i++) rmSync(join(tmp, `bench-${i}.json`), { force: true });
