// @ts-check
// TCP: portio against the runtime's raw API (and Effect's Socket on Node), in one run, as ratios.
// bench/run.mjs starts it under each Node major and under Deno, and under Bun for churn (Bun's
// bulk and ping-pong are bun-main.mjs's).
//
//   node bench/main.mjs [--json out.json] [--rounds 9] [--warmups 2] [--bulk-mib 256] [--pings 10000]
//                       [--connections 4000] [--concurrency 8] [--jobs bulk,ping-pong,churn]
//                       [--effect on|off] [--fresh on|off] [--pin split|same|none]
//   node_modules/deno/deno run --allow-all --no-lock bench/main.mjs [same options]
//
// For each variant a server child process (same runtime) is started, written with the same API
// as that variant's client, which runs here: raw (node:net on Node, Bun.listen/Bun.connect on
// Bun, Deno.listen/Deno.connect on Deno: raw.mjs, raw-bun.mjs, raw-deno.mjs), portio, and on Node Effect's Socket (effect.mjs; `--effect off` leaves it
// out). Jobs: bulk (64 KiB writes, half-close, the server answers the count), 64 B ping-pong,
// and connection churn (connect, send 1 B, receive the 1 B answer, close; `--concurrency`
// connections in flight). Rounds rotate the variants' order (so warm-up and machine drift hit all
// alike); each job reports the median of its rounds and the ratio to raw; every round's rate is
// kept in the JSON output ("samples") for the spread.
//
// On Deno the bulk job has a third variant, `fresh` (`--fresh off` leaves it out): the raw client
// against raw-deno.mjs's server reading each chunk into a new 64 KiB buffer (the floor of any API
// handing the reader chunks it owns; raw-deno.mjs says why). Its rate and the receiving (server)
// process's CPU time and minor faults per round, for raw, fresh and portio, are the bulk row's note.
//
// Churn on Node and Bun also measures a floor in the same rounds, "raw-awaited" (raw-awaited.mjs,
// raw-awaited-bun.mjs: the raw API behind one awaited promise per connect, send, receive and
// close, and an async handler per connection on the server; their headers say why that is the
// least a promise-based API does), and the CPU time (user + system) per connection of both ends of
// every churn variant: this process's `process.cpuUsage()`, the server child's utime + stime from
// /proc (clock ticks of 10 ms, summed over the measured rounds). Both go into the churn row's
// `note` (rate, ratio to raw, portio / raw-awaited, CPU per connection), which bench/run.mjs lists
// under the table; on a loaded machine CPU per connection is the steadier figure.
import { once } from "node:events";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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
const withFresh = runtimeName === "deno" && option("fresh", "on") === "on";
// The client is raw's; only the server (server.mjs fresh) differs.
if (withFresh) variants.fresh = variants.raw;
/** Churn's floor, measured with it but never a ratio's side (see the header). */
const churnFloor = jobNames.has("churn") && rawAwaitedModule !== undefined ? await import(rawAwaitedModule) : undefined;
const rawName = { node: "node:net", bun: "Bun.connect", deno: "Deno.connect" }[runtimeName];

async function startServerProcess(variant) {
  const child = spawnPeer(selfCommand("./server.mjs", [variant]), pin, { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  for await (const data of child.stdout) {
    out += data;
    const m = /PORT (\d+)/.exec(out);
    if (m) return { port: Number(m[1]), child };
  }
  throw new Error(`${variant} server exited before listening`);
}

async function stopServerProcess({ child }) {
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  if (child.exitCode === null) await once(child, "exit");
  clearTimeout(timer);
}

/** @type {Record<string, { port: number, child: import("node:child_process").ChildProcess }>} */
const servers = {};
for (const name of Object.keys(variants)) servers[name] = await startServerProcess(name);
if (churnFloor) servers["raw-awaited"] = await startServerProcess("raw-awaited");

/** CPU time (user + system, µs) the process `pid` has used so far, from /proc; undefined elsewhere. */
function processCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks of 1/100 s on Linux
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** CPU µs of the client (this process) and server (its child) per variant, over the measured churn rounds. */
const churnCpu = {};

/** One churn run of `v`, adding its CPU time of both ends to `churnCpu` when `measured`. */
async function churnRound(v, measured) {
  const client = process.cpuUsage();
  const server = processCpuMicros(servers[v].child.pid);
  const seconds = await (v === "raw-awaited" ? churnFloor : variants[v]).churn(servers[v].port, connections, concurrency);
  if (measured) {
    const used = process.cpuUsage(client);
    const serverAfter = processCpuMicros(servers[v].child.pid);
    const total = (churnCpu[v] ??= { client: 0, server: 0, connections: 0 });
    total.client += used.user + used.system;
    total.server += server === undefined || serverAfter === undefined ? Number.NaN : serverAfter - server;
    total.connections += connections;
  }
  return connections / seconds;
}

/**
 * CPU nanoseconds (all live threads, from the scheduler's own accounting: finer than clock ticks)
 * and minor page faults of a server process so far; undefined where /proc is not there.
 */
function processCost(pid) {
  try {
    let cpuNs = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      cpuNs += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    }
    // minflt is the 10th field of /proc/PID/stat, the 8th after the parenthesised name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const minorFaults = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
    return { cpuNs, minorFaults };
  } catch {
    return undefined;
  }
}

/** Per bulk variant, the receiving server's CPU µs per MiB and minor faults, one entry per measured round. */
/** @type {Record<string, { cpuMicrosPerMib: number[], faults: number[] }>} */
const receiverCost = {};
let measuring = false;

const jobs = [
  {
    key: "bulk",
    name: `bulk TCP, ${bulkBytes / 2 ** 20} MiB in 64 KiB writes`,
    unit: "MB/s",
    variants: Object.keys(variants),
    warmups: runtimeName === "deno" ? Math.max(warmups, Math.ceil(denoBulkWarmupBytes / bulkBytes)) : warmups,
    run: async (v) => {
      const pid = servers[v].child.pid;
      const before = withFresh ? processCost(pid) : undefined;
      const rate = bulkBytes / 1e6 / (await variants[v].bulk(servers[v].port, bulkBytes, chunk));
      const after = before && processCost(pid);
      if (measuring && before && after) {
        receiverCost[v] ??= { cpuMicrosPerMib: [], faults: [] };
        receiverCost[v].cpuMicrosPerMib.push((after.cpuNs - before.cpuNs) / 1000 / (bulkBytes / 2 ** 20));
        receiverCost[v].faults.push(after.minorFaults - before.minorFaults);
      }
      return rate;
    },
  },
  {
    key: "ping-pong",
    name: `ping-pong, ${pingSize} B, ${pings} round trips`,
    unit: "rt/s",
    variants: Object.keys(variants).filter((v) => v !== "fresh"),
    run: async (v) => pings / (await variants[v].pingPong(servers[v].port, pings, pingSize)),
  },
  {
    key: "churn",
    name: `connection churn, ${connections} × (connect, 1 B each way, close), ${concurrency} in flight`,
    unit: "conn/s",
    variants: churnFloor ? ["raw", "portio", "raw-awaited"] : ["raw", "portio"],
    run: (v, measured = false) => churnRound(v, measured),
  },
].filter((job) => jobNames.has(job.key));

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
    for (let r = 0; r < rounds; r++) {
      // rotate the order so that no variant always runs first (ABBA for two)
      const order =
        names.length === 2 ? (r % 2 === 0 ? names : [...names].reverse()) : names.map((_, i) => names[(r + i) % names.length]);
      for (const v of order) samples[v].push(await job.run(v, true));
    }
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
    results.push(row("", "raw", "portio", 0.95, job.key === "churn" ? churnNote(samples) : samples.fresh && freshNote(samples)));
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

/** The bulk row's note on Deno: the `fresh` floor's rate, the ratios to it, and the receiver's cost. */
function freshNote(samples) {
  const perRound = (a, b) => median(samples[a].map((x, i) => x / samples[b][i])).toFixed(2);
  const cost = (v, key, digits) => (receiverCost[v] ? median(receiverCost[v][key]).toFixed(digits) : "?");
  const each = (key, digits) => ["raw", "fresh", "portio"].map((v) => `${v} ${cost(v, key, digits)}`).join(", ");
  return (
    `floor \`fresh\` (raw Deno server, a new 64 KiB buffer per read) ${Math.round(median(samples.fresh)).toLocaleString("en-US")} MB/s, ` +
    `${perRound("fresh", "raw")} × raw; portio / fresh ${perRound("portio", "fresh")} (median per-round); ` +
    `receiving process per round (median): CPU µs per MiB ${each("cpuMicrosPerMib", 0)}; minor faults ${each("faults", 0)}`
  );
}

/** The churn row's note: the floor's rate and ratios, and every variant's CPU per connection. */
function churnNote(samples) {
  const perConnection = (v) => {
    const cpu = churnCpu[v];
    const f = (x) => (Number.isFinite(x) ? (x / cpu.connections).toFixed(1) : "?");
    return `${v} ${f(cpu.client + cpu.server)} µs (client ${f(cpu.client)} + server ${f(cpu.server)})`;
  };
  const names = Object.keys(churnCpu);
  const cpuText = `CPU per connection ${names.map(perConnection).join(", ")}`;
  if (!samples["raw-awaited"]) return cpuText;
  const floor = median(samples["raw-awaited"]);
  return (
    `raw-awaited reference (${rawName}, one await per connect, send, receive and close; async server handler) ` +
    `${(floor / 1000).toFixed(1)}k conn/s = ${(floor / median(samples.raw)).toFixed(2)} of raw, ` +
    `portio / raw-awaited ${(median(samples.portio) / floor).toFixed(2)}; ${cpuText}`
  );
}

const fmt = (x, unit) => (unit === "MB/s" ? Math.round(x).toLocaleString("en-US") : `${(x / 1000).toFixed(1)}k`);
console.log(
  `\nportio vs raw ${rawName}${withEffect ? " and Effect's Socket" : ""} — ${runtimeLabel}, medians of ${rounds} rotated rounds after ${warmups} warm-ups, separate server processes, pinning: ${pin}`,
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
