// @ts-check
// One benchmark run inside the current runtime (bench/run.mjs starts it under each Node major).
//
//   node bench/main.mjs [--json out.json] [--rounds 9] [--warmups 2] [--bulk-mib 256] [--pings 10000]
//                       [--pin split|same|none]
//
// For each variant (raw node:net, portio) a server child process is started, written with the
// same API as that variant's client, which runs here. Rounds alternate the variants (ABBA order, so
// warm-up and machine drift hit both alike); each job reports the median of its rounds and the
// ratio portio/raw. "±x%" after a median is half the range of that variant's rounds.
import { spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import * as raw from "./raw.mjs";
import * as portio from "./portio.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(opt("rounds", 9));
const warmups = Number(opt("warmups", 2));
const bulkBytes = Number(opt("bulk-mib", 256)) * 1024 * 1024;
const chunk = 64 * 1024;
const pings = Number(opt("pings", 10_000));
const pingSize = 64;
const jsonOut = opt("json", undefined);

// CPU pinning (Linux taskset). Unpinned, 64 B ping-pong on 2 cores is bimodal: ~40k rt/s when
// the scheduler puts client and server on the same core, ~14k when on different cores, and it
// flips between rounds. "split" (default where taskset and 2+ CPUs exist): this client on CPU 0,
// both servers on CPU 1. "same": everything on CPU 0. "none": no pinning.
const canPin = cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
const pin = opt("pin", canPin ? "split" : "none");
if (pin !== "none") {
  if (!canPin) throw new Error("--pin needs taskset and 2 CPUs");
  spawnSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
}

async function startServerProcess(variant) {
  const server = fileURLToPath(new URL("./server.mjs", import.meta.url));
  const cpu = pin === "split" ? "1" : "0";
  const [cmd, argv] = pin === "none" ? [process.execPath, [server, variant]] : ["taskset", ["-c", cpu, process.execPath, server, variant]];
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "inherit"] });
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const variants = { raw, portio };
const servers = {
  raw: await startServerProcess("raw"),
  portio: await startServerProcess("portio"),
};

const jobs = [
  {
    name: `bulk TCP, ${bulkBytes / 2 ** 20} MiB in 64 KiB writes`,
    unit: "MB/s",
    target: 0.95,
    run: async (v) => bulkBytes / 1e6 / (await variants[v].bulk(servers[v].port, bulkBytes, chunk)),
  },
  {
    name: `ping-pong, ${pingSize} B, ${pings} round trips`,
    unit: "rt/s",
    target: 0.9,
    run: async (v) => pings / (await variants[v].pingPong(servers[v].port, pings, pingSize)),
  },
];

const results = [];
try {
  for (const job of jobs) {
    // unmeasured warm-up rounds (JIT in client and servers, TCP buffers)
    for (let w = 0; w < warmups; w++) {
      await job.run("raw");
      await job.run("portio");
    }
    const samples = { raw: [], portio: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"];
      for (const v of order) samples[v].push(await job.run(v));
    }
    const rawMedian = median(samples.raw);
    const portioMedian = median(samples.portio);
    // spread: (max - min) / median of each variant's rounds, a rough noise gauge
    const spread = (xs, m) => (Math.max(...xs) - Math.min(...xs)) / m;
    results.push({
      job: job.name,
      unit: job.unit,
      target: job.target,
      raw: rawMedian,
      portio: portioMedian,
      ratio: portioMedian / rawMedian,
      spread: { raw: spread(samples.raw, rawMedian), portio: spread(samples.portio, portioMedian) },
      samples,
    });
  }
} finally {
  await Promise.all([stopServerProcess(servers.raw), stopServerProcess(servers.portio)]);
}

const pct = (x) => `±${Math.round((x * 100) / 2)}%`;
const fmt = (x, unit) => (unit === "rt/s" ? `${(x / 1000).toFixed(1)}k` : Math.round(x).toLocaleString("en-US"));
console.log(
  `\nportio vs raw node:net — node ${process.version}, medians of ${rounds} alternating rounds after ${warmups} warm-ups, separate server processes, pinning: ${pin}`,
);
for (const r of results) {
  const verdict = r.ratio >= r.target ? "meets" : "BELOW";
  console.log(
    `  ${r.job.padEnd(40)} raw ${fmt(r.raw, r.unit).padStart(7)} ${r.unit} ${pct(r.spread.raw).padStart(4)}   portio ${fmt(r.portio, r.unit).padStart(7)} ${r.unit} ${pct(r.spread.portio).padStart(4)}   ratio ${r.ratio.toFixed(3)} (${verdict} target ≥ ${r.target.toFixed(2)})`,
  );
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: `node ${process.version}`, rounds, warmups, pin, results }, null, 2));
