// @ts-check
// TCP: portio against the runtime's raw API (and Effect's Socket on Node), in one run, as ratios.
// bench/run.mjs starts it under each Node major and under Deno, and under Bun for churn (Bun's
// bulk and ping-pong are bun-main.mjs's).
//
//   node bench/main.mjs [--json out.json] [--rounds 9] [--warmups 2] [--bulk-mib 256] [--pings 10000]
//                       [--connections 4000] [--concurrency 8] [--jobs bulk,ping-pong,churn]
//                       [--effect on|off] [--awaited-reference yes|no] [--fresh on|off] [--pin split|same|none]
//   node_modules/deno/deno run --allow-all --no-lock bench/main.mjs [same options]
//
// For each variant a server child process (same runtime) is started, written with the same API
// as that variant's client, which runs here: raw (node:net on Node, Bun.listen/Bun.connect on
// Bun, Deno.listen/Deno.connect on Deno: raw.mjs, raw-bun.mjs, raw-deno.mjs), portio, and on Node Effect's Socket (effect.mjs; `--effect off` leaves it
// out). Jobs: bulk (64 KiB writes, half-close, the server answers the count), 64 B ping-pong,
// and connection churn (connect, send 1 B, receive the 1 B answer, close; `--concurrency`
// connections in flight). Rounds rotate the variants' order (so warm-up and machine drift hit all
// alike); each job reports the median of its rounds and the ratio to raw; every round's rate is
// kept in the JSON output ("samples") for the spread. For bulk and ping-pong the note of the row
// gives the CPU time (user + system) per MiB / per round trip of the client (process.cpuUsage
// here) and of the server (which reports its own, server.mjs), medians of the rounds: CPU tells
// a cost portio adds from the scheduling noise two processes on two cores put into wall time.
//
// Floors, measured in the same rotated rounds and reported in the row's note, never as a row:
// - "raw-awaited" (`--awaited-reference no` leaves it out): the raw API held to an awaited API's
//   contract. Ping-pong on Node and Deno (raw-awaited.mjs: node:net with one await per send and
//   receive on both ends; raw-deno-awaited.mjs: Deno's API with reader-owned chunks); churn on Node
//   and Bun (raw-awaited.mjs, raw-awaited-bun.mjs: one await per connect, send, receive and close,
//   an async handler per connection on the server). Each file's header says why it is the floor.
// - "fresh" on Deno's bulk job (`--fresh off` leaves it out): the raw client against raw-deno.mjs's
//   server reading each chunk into a new 64 KiB buffer, the floor of any API handing the reader
//   chunks it owns; the note adds the receiving process's minor page faults per round.
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import {
  median,
  option,
  pinSelf,
  rawAwaitedModule,
  rawModule,
  runtimeLabel,
  runtimeName,
  selfCommand,
  spawnPeer,
} from "./runtime.mjs";

const rounds = Number(option("rounds", 9));
const warmups = Number(option("warmups", 2));
/**
 * A Deno server process's first 64 MiB (fresh floor) to 128 MiB (portio) received cost it 5–9
 * times the CPU per MiB of later ones: ~8,000 minor faults per 64 MiB while the process's memory
 * for read buffers grows to its steady size, then tens (its RSS stays flat after). Bulk warms up
 * until each server has received this much, so that the measured rounds are the steady state
 * whatever `--bulk-mib`.
 */
const denoBulkWarmupBytes = 256 * 2 ** 20;
/**
 * Bun's JIT (JavaScriptCore) keeps compiling portio's connection path until about 20,000
 * connections per process: its FTL tier compiles `receive`, `send` and the transport's event
 * handlers there (BUN_JSC_reportFTLCompileTimes: ~350 ms of compiling per process, once). Counted
 * in 1,500-connection rounds, that one-time cost showed as +25 µs per connection of both ends
 * (JITWorker threads in /proc/<pid>/task) on top of the steady state's +10–15 µs; the raw
 * variants' smaller code settles within about 4,000. Churn on Bun warms up until each variant
 * has made this many connections, so that the measured rounds are the steady state whatever
 * `--connections`.
 */
const bunChurnWarmupConnections = 24_000;
/**
 * Node's and Deno's JITs settle sooner, but not within one 1,500-connection warm-up round: on Node
 * 20, CPU per connection of both ends in windows of 3,000 connections was portio 473, 217, 267,
 * 207, 190, 187 µs and raw-awaited 330, 150, 193, 147, 177, 197. Their churn warms up until each
 * variant has made this many connections.
 */
const churnWarmupConnections = 12_000;
/**
 * A Node 24 server's young generation settles later still: while V8 grows the new space, a
 * scavenge finds megabytes alive (0.8, 1.2, 2.8, then 7.4 MiB per scavenge, where the steady state
 * keeps 5–20 KiB), and every one of those bytes is copied and most are promoted. Server CPU per
 * connection in windows of 3,000 connections (`--trace-gc-nvp`, after 18,000 ping-pong round
 * trips as in a `tcp` run; a loaded machine, so high figures): portio 163, 125, 126, 143, 107, 102,
 * 102, 87, 87, 87 µs, its last big scavenge in the seventh window; raw-awaited 139, 130, 127, 146,
 * 125, 103, 104, 113, 114 µs, its last in the fourth. After 12,000 connections raw-awaited is
 * steady and portio is not, so Node's churn warms up until each variant has made this many.
 */
const nodeChurnWarmupConnections = 24_000;
const bulkBytes = Number(option("bulk-mib", 256)) * 1024 * 1024;
const chunk = 64 * 1024;
const pings = Number(option("pings", 10_000));
const pingSize = 64;
const connections = Number(option("connections", 4000));
const concurrency = Number(option("concurrency", 8));
const jobNames = new Set(option("jobs", "bulk,ping-pong,churn").split(","));
const withEffect = runtimeName === "node" && option("effect", "on") === "on";
const jsonOut = option("json", undefined);
const pin = pinSelf();

/** @type {Record<string, any>} */
const variants = {
  raw: await import(rawModule),
  portio: await import("./portio.mjs"),
};
if (withEffect) variants.effect = await import("./effect.mjs");
// The floors (see the header): printed as notes next to raw and portio; not targets.
const withAwaited = rawAwaitedModule !== undefined && option("awaited-reference", "yes") === "yes";
if (withAwaited) variants["raw-awaited"] = await import(rawAwaitedModule);
const withFresh = runtimeName === "deno" && option("fresh", "on") === "on";
// The client is raw's; only the server (server.mjs fresh) differs.
if (withFresh) variants.fresh = variants.raw;
/** Variants `job` (a function name of the variant modules) runs: floors only where their module has it. */
const variantsFor = (job, without = []) =>
  Object.keys(variants).filter((v) => !without.includes(v) && typeof variants[v][job] === "function");
const rawName = { node: "node:net", bun: "Bun.connect", deno: "Deno.connect" }[runtimeName];

async function startServerProcess(variant) {
  const child = spawnPeer(selfCommand("./server.mjs", [variant]), pin, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = lineReader(child.stdout);
  const m = /^PORT (\d+)$/.exec((await lines.next()) ?? "");
  if (!m) throw new Error(`${variant} server exited before listening`);
  /** The server process's CPU time so far (user + system, µs), as it reports it. */
  const cpuMicros = async () => {
    child.stdin.write("cpu\n");
    const answer = /^CPU (\d+)$/.exec((await lines.next()) ?? "");
    if (!answer) throw new Error(`${variant} server did not report its CPU time`);
    return Number(answer[1]);
  };
  return { port: Number(m[1]), child, cpuMicros };
}

/** Lines of a child's stdout, one `next()` at a time (undefined once it ended). */
function lineReader(stream) {
  const lines = [];
  let buffered = "";
  let ended = false;
  /** @type {(value?: unknown) => void} */
  let wake = () => {};
  stream.on("data", (data) => {
    buffered += data;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    wake();
  });
  stream.on("end", () => {
    ended = true;
    wake();
  });
  return {
    async next() {
      while (lines.length === 0 && !ended) await new Promise((resolve) => (wake = resolve));
      return lines.shift();
    },
  };
}

async function stopServerProcess({ child }) {
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  if (child.exitCode === null) await once(child, "exit");
  clearTimeout(timer);
}

/** @type {Record<string, { port: number, child: import("node:child_process").ChildProcess, cpuMicros: () => Promise<number> }>} */
const servers = {};
for (const name of Object.keys(variants)) servers[name] = await startServerProcess(name);

/** Minor page faults of a server process so far (the 10th field of /proc/PID/stat); undefined without /proc. */
function minorFaults(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return undefined;
  }
}

/** Per bulk variant on Deno, the receiving server's minor faults, one entry per measured round. */
/** @type {Record<string, number[]>} */
const receiverFaults = {};
let measuring = false;

const jobs = [
  {
    key: "bulk",
    name: `bulk TCP, ${bulkBytes / 2 ** 20} MiB in 64 KiB writes`,
    unit: "MB/s",
    variants: variantsFor("bulk", ["raw-awaited"]),
    warmups: runtimeName === "deno" ? Math.max(warmups, Math.ceil(denoBulkWarmupBytes / bulkBytes)) : warmups,
    run: async (v) => {
      const pid = servers[v].child.pid;
      const before = withFresh ? minorFaults(pid) : undefined;
      const rate = bulkBytes / 1e6 / (await variants[v].bulk(servers[v].port, bulkBytes, chunk));
      const after = before === undefined ? undefined : minorFaults(pid);
      if (measuring && before !== undefined && after !== undefined) (receiverFaults[v] ??= []).push(after - before);
      return rate;
    },
    cpuPer: { count: bulkBytes / 2 ** 20, unit: "MiB" },
  },
  {
    key: "ping-pong",
    name: `ping-pong, ${pingSize} B, ${pings} round trips`,
    unit: "rt/s",
    variants: variantsFor("pingPong", ["fresh"]),
    run: async (v) => pings / (await variants[v].pingPong(servers[v].port, pings, pingSize)),
    cpuPer: { count: pings, unit: "round trip" },
    floor: "one await per send and per receive on both ends",
  },
  {
    key: "churn",
    name: `connection churn, ${connections} × (connect, 1 B each way, close), ${concurrency} in flight`,
    unit: "conn/s",
    variants: variantsFor("churn", ["effect", "fresh"]),
    run: async (v) => connections / (await variants[v].churn(servers[v].port, connections, concurrency)),
    cpuPer: { count: connections, unit: "connection" },
    warmups: Math.max(
      warmups,
      Math.ceil(
        ({ bun: bunChurnWarmupConnections, node: nodeChurnWarmupConnections }[runtimeName] ?? churnWarmupConnections) /
          connections,
      ),
    ),
    floor: "one await per connect, send, receive and close; an async handler per connection on the server",
  },
].filter((job) => jobNames.has(job.key));

const fmt = (x, unit) => (unit === "MB/s" ? Math.round(x).toLocaleString("en-US") : `${(x / 1000).toFixed(1)}k`);
const results = [];
try {
  for (const job of jobs) {
    const names = job.variants;
    // unmeasured warm-up rounds (JIT in client and servers, TCP buffers)
    measuring = false;
    for (let w = 0; w < (job.warmups ?? warmups); w++) for (const v of names) await job.run(v);
    measuring = true;
    /** @type {Record<string, number[]>} */
    const samples = Object.fromEntries(names.map((v) => [v, []]));
    // CPU time (user + system, µs) per job unit of the client (this process) and of the server,
    // every round: unlike wall time it does not move with the other process's scheduling.
    /** @type {Record<string, { client: number[], server: number[] }>} */
    const cpu = Object.fromEntries(names.map((v) => [v, { client: [], server: [] }]));
    for (let r = 0; r < rounds; r++) {
      // rotate the order so that no variant always runs first (ABBA for two)
      const order =
        names.length === 2 ? (r % 2 === 0 ? names : [...names].reverse()) : names.map((_, i) => names[(r + i) % names.length]);
      for (const v of order) {
        if (!job.cpuPer) {
          samples[v].push(await job.run(v));
          continue;
        }
        const server0 = await servers[v].cpuMicros();
        const client0 = process.cpuUsage();
        samples[v].push(await job.run(v));
        const client = process.cpuUsage(client0);
        const server = (await servers[v].cpuMicros()) - server0;
        cpu[v].client.push((client.user + client.system) / job.cpuPer.count);
        cpu[v].server.push(server / job.cpuPer.count);
      }
    }
    const cpuNote = job.cpuPer && cpuNoteOf(job.cpuPer.unit, names, cpu);
    const awaited = samples["raw-awaited"];
    const floorNote =
      awaited &&
      `raw-awaited reference (${runtimeName === "deno" ? "Deno.connect, reader-owned chunks" : rawName}, ${job.floor}) ${fmt(median(awaited), job.unit)} ${job.unit} = ${(median(awaited) / median(samples.raw)).toFixed(2)} of raw, portio / raw-awaited ${(median(samples.portio) / median(awaited)).toFixed(2)}; `;
    const freshNote = samples.fresh && freshNoteOf(samples);
    const row = (label, base, other, target, note) => ({
      job: `${job.name}${label}`,
      unit: job.unit,
      target,
      raw: median(samples[base]),
      portio: median(samples[other]),
      ratio: median(samples[other]) / median(samples[base]),
      samples: { raw: samples[base], portio: samples[other] },
      ...(note ? { note } : {}),
    });
    results.push(row("", "raw", "portio", 0.95, cpuNote && `${floorNote ?? ""}${freshNote ?? ""}${cpuNote}`));
    if (samples.effect) {
      // Effect's own ratio is for reading, not a target of portio's; the portio/Effect row is
      // the issue's "portio ahead of Effect".
      // Columns: raw | Effect, and Effect | portio (docs/BENCHMARKS.md says so once).
      results.push(row(" — Effect's Socket / raw", "raw", "effect", null));
      results.push(row(" — portio / Effect's Socket", "effect", "portio", 1));
    }
  }
} finally {
  await Promise.all(Object.values(servers).map(stopServerProcess));
}

/** Deno's bulk note: the `fresh` floor's rate, the ratios to it, and the receiver's minor faults. */
function freshNoteOf(samples) {
  const perRound = (a, b) => median(samples[a].map((x, i) => x / samples[b][i])).toFixed(2);
  const faults = ["raw", "fresh", "portio"].map((v) => `${v} ${receiverFaults[v] ? median(receiverFaults[v]) : "?"}`).join(", ");
  return (
    `floor \`fresh\` (raw Deno server, a new 64 KiB buffer per read) ${Math.round(median(samples.fresh)).toLocaleString("en-US")} MB/s, ` +
    `${perRound("fresh", "raw")} × raw; portio / fresh ${perRound("portio", "fresh")} (median per-round); ` +
    `receiving process's minor faults per round (median): ${faults}; `
  );
}

/**
 * "CPU per round trip (user + system, median of rounds): client raw 20.1 µs, portio 19.8 µs;
 * server …; both ends raw …, portio … (portio / raw 0.98)". The sum of both ends is what a
 * round trip costs the machine; the wall-time rate also carries scheduling between two cores.
 */
function cpuNoteOf(unit, names, cpu) {
  const us = (x) => `${x.toFixed(2)} µs`;
  const side = (label, pick) => `${label} ${names.map((v) => `${v} ${us(median(pick(v)))}`).join(", ")}`;
  const both = (v) => cpu[v].client.map((c, i) => c + cpu[v].server[i]);
  const ratio = median(both("portio")) / median(both("raw"));
  return (
    `CPU per ${unit} (user + system, median of rounds): ${side("client", (v) => cpu[v].client)}; ` +
    `${side("server", (v) => cpu[v].server)}; ${side("both ends", both)} (portio / raw ${ratio.toFixed(2)})`
  );
}

console.log(
  `\nportio vs raw ${rawName}${withEffect ? " and Effect's Socket" : ""} — ${runtimeLabel}, medians of ${rounds} rotated rounds after warm-up rounds (${jobs.map((job) => `${job.key} ${job.warmups ?? warmups}`).join(", ")}), separate server processes, pinning: ${pin}`,
);
for (const r of results) {
  const range = (xs) => `${fmt(Math.min(...xs), r.unit)}–${fmt(Math.max(...xs), r.unit)}`;
  console.log(
    `  ${r.job.padEnd(60)} ${fmt(r.raw, r.unit).padStart(7)} (${range(r.samples.raw)})  vs ${fmt(r.portio, r.unit).padStart(7)} (${range(r.samples.portio)}) ${r.unit}  ratio ${r.ratio.toFixed(3)}${r.target ? ` (target ≥ ${r.target.toFixed(2)})` : ""}`,
  );
  if (r.note) console.log(`    ${r.note}`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, rounds, warmups, pin, results }, null, 2));
// Deno keeps running while the children's pipes are referenced; everything is done here.
process.exit(0);
