// @ts-check
// `pnpm bench` (after building): every benchmark in one invocation, then one table of ratios with
// the spread over rounds.
//
//   node bench/run.mjs [--only tcp,udp,...] [--runtimes node20,node24,bun,deno] [--quick]
//                      [--rounds N] [--warmups N] [--bulk-mib N] [--pings N] [--datagrams N]
//                      [--churn N] [--idle N] [--pin split|same|none] [--node PATH ...]
//                      [--timeout S] [--check] [--update-docs]
//
// `--check`: exit non-zero and list every job below its target (for people to run; never in CI,
// where timing on a shared 2-core machine is noise). `--update-docs`: rewrite the generated
// results section of docs/BENCHMARKS.md from this run (`node bench/run.mjs --update-docs` after
// a build is the one command that regenerates it). `--quick` is a smoke test (small sizes, few
// rounds), not a result.
//
// The benchmarks are the BENCHMARKS table below, one entry per script: which runtimes run it,
// which `--only` job names it answers to, and how this runner's options translate to its flags.
// A script takes `--json FILE` and writes `{ results: Row[] }` there (see Row); adding a script
// is adding one entry. Options not given are left out, so each script's own defaults (in its
// header) stay the reference.
//
// The scripts run one after the other, never in parallel: on 2 cores a concurrent job would be
// measured as much as portio. The summary is also written to .tmp/bench-summary.json.
//
// Inside a pnpm script `node` is node_modules/.bin/node (the second major), so the machine's
// Node is looked up on PATH outside node_modules.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
// Deno: the real binary, not npm's Node wrapper (node_modules/.bin/deno).
const bin = (name) => (name === "deno" ? join(root, "node_modules", "deno", "deno") : join(root, "node_modules", ".bin", name));
process.env.DENO_NO_UPDATE_CHECK ??= "1";

// ---- options -----------------------------------------------------------------------------------

const args = process.argv.slice(2);
const nodePaths = [];
const opts = new Map();
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--node") nodePaths.push(args[++i]);
  else if (a === "--quick" || a === "--check" || a === "--update-docs") opts.set(a.slice(2), "1");
  else if (a.startsWith("--")) opts.set(a.slice(2), args[++i]);
  else throw new Error(`unexpected argument ${a}`);
}
const known = [
  "quick",
  "check",
  "update-docs",
  "only",
  "runtimes",
  "rounds",
  "warmups",
  "bulk-mib",
  "pings",
  "datagrams",
  "churn",
  "idle",
  "pin",
  "timeout",
];
for (const k of opts.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}`);

const quick = opts.has("quick");
/** An option's value, else the --quick value, else undefined (= the script's own default). */
const opt = (name, quickValue) => opts.get(name) ?? (quick ? quickValue : undefined);
const o = {
  rounds: opt("rounds", "3"),
  warmups: opt("warmups", "1"),
  bulkMib: opt("bulk-mib", "32"),
  pings: opt("pings", "2000"),
  datagrams: opt("datagrams", "20000"),
  churn: opt("churn", "500"),
  idle: opt("idle", "2000"),
  pin: opt("pin", undefined),
};
// A hung script must not take the whole run with it; the slowest default script takes ~2 min.
const timeoutMs = Number(opts.get("timeout") ?? 300) * 1000;

/** Appends `--flag value` for each given value; undefined means the script's default. */
const flags = (pairs) => pairs.flatMap(([flag, value]) => (value === undefined ? [] : [`--${flag}`, String(value)]));
const common = () => [
  ["rounds", o.rounds],
  ["warmups", o.warmups],
];

// ---- the benchmarks ----------------------------------------------------------------------------

/**
 * One row of the summary. `raw` and `portio` are medians in `unit`; `samples` holds every round's
 * figure of both (for the spread). `target`: the ratio to reach, or null for a figure that is
 * only reported. `kind: "bound"`: `portio` must stay at most `limit` (in `unit`) in every round;
 * `kind: "lower-is-better"`: the ratio is raw / portio.
 * @typedef {{ job: string, unit?: string, target: number | null, raw: number, portio: number, ratio: number | null,
 *             samples?: { raw: number[], portio: number[] }, note?: string, kind?: "bound" | "lower-is-better", limit?: number }} Row
 * @typedef {{ kind: string, version: string, cmd: string, prefix: string[] }} Runtime
 * @typedef {{ jobs: string[], script: string, runtimes: string[], args: (rt: Runtime) => string[],
 *             launch?: (rt: Runtime, script: string, argv: string[]) => [string, string[]],
 *             parse?: (json: string, stdout: string) => Row[], env?: Record<string, string>, openFiles?: number }} Benchmark
 */

// A new script is one more entry, e.g. a Unix stream benchmark on every runtime:
//   { jobs: ["unix-stream"], script: "bench/unix-stream.mjs", runtimes: ["node", "bun", "deno"],
//     args: () => flags([...common(), ["bulk-mib", o.bulkMib]]) },
// (`launch` for a script that needs other runtime flags, `parse` for one without the JSON output.)
/**
 * `deno run` for a script that imports the workspace sources: they resolve through pnpm's
 * node_modules links with the `portio-source` export condition (no import map, no sloppy imports).
 */
const DENO_SOURCES = ["run", "--no-config", "--no-lock", "--no-check", "--node-modules-dir=manual", "--conditions=portio-source"];

/** @type {Benchmark[]} */
const BENCHMARKS = [
  {
    // node:net / Bun.connect / Deno.connect, and Effect's Socket on Node; Deno in two processes
    // like the others. Bun's bulk and ping-pong are bun-main.mjs's (its own method), so only churn.
    jobs: ["tcp"],
    script: "bench/main.mjs",
    runtimes: ["node", "deno", "bun"],
    args: (rt) =>
      flags([
        ["jobs", rt.kind === "bun" ? "churn" : undefined],
        ...common(),
        ["bulk-mib", o.bulkMib],
        ["pings", o.pings],
        ["connections", o.churn],
        ["pin", o.pin],
      ]),
  },
  {
    jobs: ["tcp", "udp"],
    script: "bench/bun-main.mjs",
    runtimes: ["bun"],
    args: () => [
      "--jobs",
      ["tcp", "udp"].filter((j) => onlyJobs.has(j)).join(","),
      ...flags([
        ["rounds", o.rounds],
        ["bulk-mib", o.bulkMib],
        ["pings", o.pings],
        ["datagrams", o.datagrams],
        ["pin", o.pin],
      ]),
    ],
  },
  {
    // One process, one event loop (the separate-process figures are main.mjs's).
    jobs: ["tcp"],
    script: "backends/deno/bench/tcp.ts",
    runtimes: ["deno"],
    args: () => [],
    env: { ...(o.rounds && { ROUNDS: o.rounds }), ...(o.bulkMib && { BULK_MIB: o.bulkMib }), ...(o.pings && { PINGS: o.pings }) },
    // The flags of the run command in the script's header.
    launch: (rt, script) => [rt.cmd, [...DENO_SOURCES, "--allow-net", "--allow-env", script]],
    parse: (_json, stdout) => parseDenoTcp(stdout),
  },
  {
    // Deno: raw is Deno.listenDatagram (the runtime prefix carries --unstable-net).
    jobs: ["udp"],
    script: "bench/udp.mjs",
    runtimes: ["node", "deno"],
    args: () => flags([...common(), ["count", o.datagrams], ["pin", o.pin]]),
    parse: (json) => readResults(json).map((r) => ({ ...r, samples: r.samples && pluck(r.samples, "receivedPerSecond") })),
  },
  {
    jobs: ["unix-dgram"],
    script: "bench/unix-dgram.mjs",
    runtimes: ["node", "bun", "deno"],
    args: () => flags([...common(), ["count", o.datagrams]]),
    // Bun and Deno import the sources: the portio-source condition makes the backend's own
    // `@portio/core` imports reach those same files (without it Bun loads the build as a second
    // copy of core, and core's classes and constants are not the backend's).
    launch: (rt, script, argv) => [
      rt.cmd,
      [
        ...(rt.kind === "deno" ? [...DENO_SOURCES, "--allow-all"] : rt.kind === "bun" ? ["--conditions=portio-source"] : []),
        script,
        ...argv,
      ],
    ],
    parse: (json) => {
      const { summary, ratio, count, size, cpuRatio } = JSON.parse(readFileSync(json, "utf8"));
      return [
        {
          job: `unix dgram socketpair, ${count} × ${size} B (vs raw LibcSocket)`,
          unit: "datagrams/s",
          target: 0.95,
          raw: summary.raw.rate,
          portio: summary.portio.rate,
          ratio,
          samples: { raw: summary.raw.rates, portio: summary.portio.rates },
          note:
            `node:dgram UDP reference ${Math.round(summary.udp.rate).toLocaleString("en-US")}/s received` +
            // UDP drops what the receiver cannot keep up with (Deno's node:dgram loses most of a
            // burst): a rate of what arrived says little without the share that did not.
            (summary.udp.lost > 0
              ? ` (${((summary.udp.lost / (count * summary.udp.rates.length)) * 100).toFixed(1)}% lost)`
              : "") +
            (summary.raw.cpuMicros === undefined
              ? ""
              : `; CPU per datagram raw ${summary.raw.cpuMicros.toFixed(2)} µs, portio ${summary.portio.cpuMicros.toFixed(2)} µs` +
                (cpuRatio === undefined ? "" : ` (portio / raw per round ${cpuRatio.toFixed(3)})`)),
        },
      ];
    },
  },
  {
    jobs: ["tls"],
    script: "bench/tls.mjs",
    runtimes: ["node", "bun"],
    args: () => flags([...common(), ["mib", o.bulkMib]]),
    parse: (json) => readResults(json).map((r) => ({ ...r, unit: "MB/s" })),
  },
  {
    // Unix streams (through libc for fd passing) against node:net, the peer in a child process.
    jobs: ["unix-stream"],
    script: "bench/unix-stream.mjs",
    runtimes: ["node", "bun", "deno"],
    args: () => flags([...common(), ["bulk-mib", o.bulkMib], ["pings", o.pings], ["peer", "child"]]),
  },
  {
    // Deno's TLS: raw Deno.connectTls against portio's default and standardCompatible: false paths;
    // the node:tls and floor references are in the rows and notes (see the script's header).
    jobs: ["tls"],
    script: "backends/deno/bench/tls.ts",
    runtimes: ["deno"],
    args: () => [],
    env: {
      ...(o.rounds && { ROUNDS: o.rounds }),
      ...(o.warmups && { WARMUPS: o.warmups }),
      ...(o.bulkMib && { MIB: o.bulkMib }),
    },
    // The flags of the run command in the script's header.
    launch: (rt, script, argv) => [rt.cmd, [...DENO_SOURCES, "--allow-all", script, ...argv]],
    parse: (json) => readResults(json).map((r) => ({ ...r, unit: "MB/s" })),
  },
  {
    // The driver is always the machine's Node (it hands the client an fd); the client is `rt`.
    jobs: ["adopted"],
    script: "bench/adopted.mjs",
    runtimes: ["node", "bun", "deno"],
    // A fresh client process per round: --quick keeps it to one round.
    args: (rt) => [
      "--client",
      rt.kind === "node" ? rt.cmd : rt.kind,
      ...flags([
        ["rounds", opt("rounds", "1")],
        ["warmups", opt("warmups", "0")],
        ["bulk-mib", o.bulkMib && String(Math.min(Number(o.bulkMib), 128))],
        ["pings", o.pings],
        ["pin", o.pin],
      ]),
    ],
    launch: (_rt, script, argv) => [systemNode(), [script, ...argv]],
  },
  {
    // A fresh process per round here too: --quick keeps it to one.
    jobs: ["backpressure"],
    script: "bench/backpressure.mjs",
    runtimes: ["node", "bun", "deno"],
    args: () => flags([["rounds", opt("rounds", "1")]]),
  },
  {
    jobs: ["idle"],
    script: "bench/idle.mjs",
    runtimes: ["node", "bun", "deno"],
    args: () =>
      flags([
        ["rounds", opt("rounds", "1")],
        ["connections", o.idle],
      ]),
    // One fd per connection in the client and in the peer, plus the runtime's own.
    openFiles: Number(o.idle ?? 10_000) + 1024,
  },
  {
    // What the memory backend costs against loopback TCP (ratio memory / loopback, target 1).
    jobs: ["memory"],
    script: "bench/memory.mjs",
    runtimes: ["node", "bun", "deno"],
    args: () => flags([...common(), ["bulk-mib", o.bulkMib], ["pings", o.pings]]),
  },
];
const allJobs = [...new Set(BENCHMARKS.flatMap((b) => b.jobs))];
const onlyJobs = new Set((opts.get("only") ?? allJobs.join(",")).split(","));
for (const j of onlyJobs) if (!allJobs.includes(j)) throw new Error(`unknown job ${j} (jobs: ${allJobs.join(", ")})`);
const onlyRuntimes = opts.has("runtimes") ? new Set(opts.get("runtimes")?.split(",")) : undefined;

/** @returns {Row[]} */
const readResults = (json) => JSON.parse(readFileSync(json, "utf8")).results;
/** Maps samples that are objects (udp.mjs keeps whole rounds) to one of their numbers. */
const pluck = (samples, key) => ({ raw: samples.raw.map((s) => s[key]), portio: samples.portio.map((s) => s[key]) });

/** tcp.ts has no JSON output (and lives outside bench/), so its summary lines are parsed. */
function parseDenoTcp(stdout) {
  const bulk = /bulk TCP (\d+) MiB in 64 KiB writes: raw Deno\.connect (\d+) MB\/s, portio (\d+) MB\/s/.exec(stdout);
  const ping = /64 B ping-pong: raw (\d+) rt\/s, portio (\d+) rt\/s/.exec(stdout);
  const perRound = /per-round ratios \(median\): bulk ([\d.]+), ping-pong ([\d.]+)/.exec(stdout);
  if (!bulk || !ping) throw new Error("could not parse deno tcp.ts output");
  const rounds = /^samples (.*)$/m.exec(stdout);
  const s = rounds ? JSON.parse(rounds[1]) : undefined;
  const note = (i) => `median per-round ratio ${perRound?.[i] ?? "?"}`;
  const floor = parseDenoTcpFloor(stdout, +bulk[1]);
  const pingFloor = parseDenoTcpPingFloor(stdout);
  return [
    {
      job: `bulk TCP, ${bulk[1]} MiB in 64 KiB writes (one process)`,
      unit: "MB/s",
      target: 0.95,
      raw: +bulk[2],
      portio: +bulk[3],
      ratio: +bulk[3] / +bulk[2],
      samples: s && { raw: s.rawBulk, portio: s.portioBulk },
      note: floor ? `${note(1)}; ${floor}` : note(1),
    },
    {
      job: "64 B ping-pong (one process)",
      unit: "rt/s",
      target: 0.95,
      raw: +ping[1],
      portio: +ping[2],
      ratio: +ping[2] / +ping[1],
      samples: s && { raw: s.rawPing, portio: s.portioPing },
      note: pingFloor ? `${note(2)}; ${pingFloor}` : note(2),
    },
  ];
}

/**
 * tcp.ts's `fresh` floor (raw Deno.connect reading into a new 64 KiB buffer per read, the least an
 * API handing out owned chunks must do) and the bulk rounds' cost, as one note: the reader of the
 * table sees how far portio is from that floor as well as from raw.
 */
function parseDenoTcpFloor(stdout, mib) {
  const floor =
    /bulk floor, raw with a fresh 64 KiB buffer per read: (\d+) MB\/s, per-round ratio to raw ([\d.]+), portio to it ([\d.]+)/.exec(
      stdout,
    );
  if (!floor) return undefined;
  const cost = (variant) => {
    const m = new RegExp(`\\b${variant} (\\d+) faults, (\\d+) ms CPU`).exec(stdout);
    return m && { faults: +m[1], cpuMs: +m[2] };
  };
  const [raw, fresh, portio] = [cost("raw"), cost("fresh"), cost("portio")];
  const perMib = (c) => `${((c.cpuMs * 1000) / mib).toFixed(0)}`;
  const costs =
    raw && fresh && portio
      ? `; CPU per MiB (both ends, median round) raw ${perMib(raw)} µs, fresh ${perMib(fresh)} µs, portio ${perMib(portio)} µs; minor faults per round raw ${raw.faults}, fresh ${fresh.faults}, portio ${portio.faults}`
      : "";
  return `floor \`fresh\` (raw Deno.connect, a new 64 KiB buffer per read) ${Number(floor[1]).toLocaleString("en-US")} MB/s, ${floor[2]} × raw; portio / fresh ${floor[3]} (median per-round)${costs}`;
}

/**
 * tcp.ts's `awaited` ping-pong floor (raw Deno.connect, one await per write and read, every chunk
 * read copied out into one of its own): main.mjs's raw-awaited note, for the one-process row.
 */
function parseDenoTcpPingFloor(stdout) {
  const floor =
    /ping-pong floor, raw with reader-owned chunks [^:]*: (\d+) rt\/s, per-round ratio to raw ([\d.]+), portio to it ([\d.]+)/.exec(
      stdout,
    );
  if (!floor) return undefined;
  return `floor \`awaited\` (raw Deno.connect, one await per write and read, reader-owned chunks) ${Number(floor[1]).toLocaleString("en-US")} rt/s, ${floor[2]} × raw; portio / awaited ${floor[3]} (median per-round)`;
}

// ---- runtimes ----------------------------------------------------------------------------------

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

/** @returns {Runtime[]} */
function runtimesOf(kind) {
  if (kind === "node") {
    return (nodePaths.length ? nodePaths : [systemNode(), bin("node")]).flatMap((cmd) => {
      const v = version(cmd, ["--version"]);
      if (!v) {
        console.error(`skipping ${cmd}: not runnable`);
        return [];
      }
      return [{ kind: "node", version: `node${v.replace(/^v(\d+).*/, "$1")} (${v})`, cmd, prefix: [] }];
    });
  }
  const v = version(bin(kind), ["--version"])?.replace(/^deno (\S+).*/, "$1");
  if (!v) return [];
  // Deno: the permissions every script needs (net, read, write, env, run, ffi) and Deno.listenDatagram.
  return [
    {
      kind,
      version: `${kind} (${v})`,
      cmd: bin(kind),
      prefix: kind === "deno" ? ["run", "--allow-all", "--no-lock", "--unstable-net"] : [],
    },
  ];
}
const selected = (rt) => !onlyRuntimes || onlyRuntimes.has(rt.kind) || onlyRuntimes.has(rt.version.split(" ")[0]);

// ---- the plan ----------------------------------------------------------------------------------

const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });
/** @type {{ runtime: string, script: string, cmd: string, argv: string[], env?: Record<string, string>, json: string, parse: (stdout: string) => Row[] }[]} */
const steps = [];
const cache = new Map();
for (const b of BENCHMARKS) {
  if (!b.jobs.some((j) => onlyJobs.has(j))) continue;
  for (const kind of b.runtimes) {
    if (!cache.has(kind)) cache.set(kind, runtimesOf(kind));
    for (const rt of cache.get(kind).filter(selected)) {
      const json = join(tmp, `bench-${steps.length}.json`);
      const script = join(root, b.script);
      const argv = [...b.args(rt), "--json", json];
      let [cmd, full] = b.launch ? b.launch(rt, script, argv) : [rt.cmd, [...rt.prefix, script, ...argv]];
      if (b.openFiles) {
        // Raise the soft limit on open files (up to the hard limit) for this script only.
        [cmd, full] = [
          "sh",
          ["-c", `ulimit -n ${b.openFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, cmd, ...full],
        ];
      }
      const parse = b.parse ?? ((j) => readResults(j));
      steps.push({
        runtime: rt.version,
        script: b.script,
        cmd,
        argv: full,
        env: b.env,
        json,
        parse: (stdout) => parse(json, stdout),
      });
    }
  }
}

// ---- the run -----------------------------------------------------------------------------------

// Several scripts import "portio" from its build; without one they fail only after minutes.
if (!existsSync(join(root, "packages", "portio", "dist"))) {
  console.error("no build found: run `npx -y pnpm@12.4.2 run build` first (`pnpm bench` does)");
  process.exit(1);
}

const started = Date.now();
const loadBefore = loadavg();
// What ran: the commit at the start, and whether the tree differed from it.
const commit = version("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
// The page this script rewrites does not count: a run after a run would otherwise always say so.
const dirty = version("git", ["-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/BENCHMARKS.md"])
  ? " plus uncommitted changes"
  : "";
/** @type {{ runtime: string, script: string, rows: Row[], seconds: number, error?: string }[]} */
const outcomes = [];
for (const [i, step] of steps.entries()) {
  console.log(`\n==> [${i + 1}/${steps.length}] ${step.runtime}: ${step.script}`);
  const t0 = Date.now();
  const { code, stdout } = await new Promise((resolve) => {
    const child = spawn(step.cmd, step.argv, {
      cwd: root,
      env: { ...process.env, ...step.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
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
  const outcome = { runtime: step.runtime, script: step.script, rows: [], seconds };
  try {
    if (code !== 0) throw new Error(`failed (${code})`);
    outcome.rows = step.parse(stdout);
  } catch (error) {
    outcome.error = `${step.script} ${error instanceof Error ? error.message : error}`;
    process.exitCode = 1;
  } finally {
    rmSync(step.json, { force: true });
  }
  outcomes.push(outcome);
}
const loadAfter = loadavg();
const total = (Date.now() - started) / 1000;

// ---- the report --------------------------------------------------------------------------------

const fmt = (x, unit) =>
  unit === "MB/s"
    ? Math.round(x).toLocaleString("en-US")
    : unit === "MiB" || unit === "KiB/conn"
      ? x.toFixed(unit === "MiB" ? 1 : 2)
      : `${(x / 1000).toFixed(1)}k`;
const range = (xs, f) => (xs && xs.length > 1 ? ` (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : "");
/** Per-round ratios where both variants have a figure for every round (rounds are paired). */
function roundRatios(r) {
  const s = r.samples;
  if (!s || s.raw.length !== s.portio.length || s.raw.length < 2 || r.ratio === null) return undefined;
  return s.raw.map((raw, i) => (r.kind === "lower-is-better" ? raw / s.portio[i] : s.portio[i] / raw));
}
/** true / false, or undefined when the row has no target (reported only). */
function met(r) {
  if (r.kind === "bound") return Math.max(r.portio, ...(r.samples?.portio ?? [])) <= /** @type {number} */ (r.limit);
  if (r.target === null || r.target === undefined || r.ratio === null) return undefined;
  return r.ratio >= r.target;
}

const lines = [];
lines.push("| job | runtime | raw (min–max) | portio (min–max) | ratio (min–max per round) | target | met? |");
lines.push("|---|---|---|---|---|---|---|");
for (const oc of outcomes) {
  if (oc.error) lines.push(`| ${oc.error} | ${oc.runtime} | | | | | **failed** |`);
  for (const r of oc.rows) {
    const unit = r.unit ?? "";
    const f = (x) => fmt(x, unit);
    const ratios = roundRatios(r);
    const ratio = r.ratio === null ? "–" : `${r.ratio.toFixed(2)}${range(ratios, (x) => x.toFixed(2))}`;
    const target = r.kind === "bound" ? `≤ ${r.limit} ${unit}` : r.target == null ? "(reported)" : `≥ ${r.target.toFixed(2)}`;
    const ok = met(r);
    lines.push(
      `| ${r.job} | ${oc.runtime} | ${f(r.raw)}${range(r.samples?.raw, f)} ${unit} | ${f(r.portio)}${range(r.samples?.portio, f)} ${unit} | ${ratio} | ${target} | ${ok === undefined ? "–" : ok ? "yes" : "**no**"} |`,
    );
  }
}
// A note said for several runtimes is listed once, with all of them.
const noted = new Map();
for (const oc of outcomes)
  for (const r of oc.rows)
    if (r.note) noted.set(`${r.job}: ${r.note}`, [...(noted.get(`${r.job}: ${r.note}`) ?? []), oc.runtime.split(" ")[0]]);
const notes = [...noted].map(([text, runtimes]) => `- ${runtimes.join(", ")}, ${text}`);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const load = `load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after`;
console.log(
  `\nsummary: ${machine}, ${total.toFixed(0)} s, ${load}${quick ? ", --quick (smoke test, not a result)" : ""}; ratio = portio / raw (median; spread = min–max over rounds), higher is better\n`,
);
console.log(lines.join("\n"));
if (notes.length) console.log(`\nnotes:\n${notes.join("\n")}`);
console.log(
  `\nwall time per script: ${outcomes.map((oc) => `${oc.runtime.split(" ")[0]} ${oc.script.split("/").pop()} ${oc.seconds.toFixed(0)} s`).join(", ")}`,
);
writeFileSync(
  join(tmp, "bench-summary.json"),
  JSON.stringify({ date: new Date().toISOString(), quick, total, loadBefore, loadAfter, outcomes }, null, 2),
);

if (opts.has("update-docs")) updateDocs();

if (opts.has("check")) {
  const below = outcomes.flatMap((oc) => [
    ...(oc.error ? [`${oc.runtime}: ${oc.error}`] : []),
    ...oc.rows
      .filter((r) => met(r) === false)
      .map((r) =>
        r.kind === "bound"
          ? `${oc.runtime}: ${r.job}: ${fmt(Math.max(r.portio, ...(r.samples?.portio ?? [])), r.unit ?? "")} ${r.unit} > ${r.limit} ${r.unit}`
          : `${oc.runtime}: ${r.job}: ${r.ratio?.toFixed(2)} < ${r.target?.toFixed(2)}`,
      ),
  ]);
  if (below.length) {
    console.log(`\n--check: ${below.length} below target:\n${below.map((b) => `  ${b}`).join("\n")}`);
    process.exitCode = 1;
  } else {
    console.log("\n--check: every job meets its target");
  }
}

/** Rewrites the generated section of docs/BENCHMARKS.md (between its two markers) from this run. */
function updateDocs() {
  const doc = join(root, "docs", "BENCHMARKS.md");
  const [start, end] = ["<!-- bench-results:start -->", "<!-- bench-results:end -->"];
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/BENCHMARKS.md lacks the ${start} … ${end} markers`);
  const versions = [...new Set(outcomes.map((oc) => oc.runtime))].join(", ");
  const kernel = version("uname", ["-r"]);
  const generated = [
    start,
    `<!-- generated by \`node bench/run.mjs --update-docs\` ${new Date().toISOString()}; edit the prose around it, not this section -->`,
    "",
    `Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: \`node bench/run.mjs ${args.join(" ")}\` at commit \`${commit}\`${dirty}, ` +
      `${total.toFixed(0)} s. Machine: ${machine}, Linux ${kernel}; ${load}. Runtimes: ${versions}.` +
      `${quick ? " **--quick: a smoke test, not a result.**" : ""}`,
    "",
    ...lines,
    "",
    ...(notes.length ? ["Notes from the same run:", "", ...notes, ""] : []),
    end,
  ].join("\n");
  writeFileSync(doc, text.slice(0, a) + generated + text.slice(b + end.length));
  // The tables in Biome's Markdown layout, so that `pnpm lint` (biome check) stays clean.
  try {
    execFileSync(join(root, "node_modules", ".bin", "biome"), ["format", "--write", doc], { stdio: "ignore" });
  } catch {
    console.error(`could not format ${doc} with Biome: run \`npx biome format --write ${doc}\` before committing`);
  }
  console.log(`\nwrote the results section of ${doc}`);
}
