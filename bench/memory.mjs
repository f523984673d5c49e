// @ts-check
// What the memory backend costs: the same portio code (bench/portio.mjs: bulk and 64 B ping-pong,
// client and server in this one process) on @portio/memory's in-memory network and on the
// runtime's loopback TCP, same run. bench/run.mjs starts it as job "memory" under each Node major,
// Bun and Deno; the ratio is memory/loopback (above 1: the memory network is faster).
//
//   node bench/memory.mjs [--json out.json] [--rounds 5] [--warmups 1] [--bulk-mib 64] [--pings 5000]
//
// Rounds alternate the two (ABBA order, so warm-up and machine drift hit both alike); each job
// reports the median of its rounds.
import { writeFileSync } from "node:fs";
import { getBackend, setBackend } from "portio";
import { createMemoryNetwork, memoryBackend } from "@portio/memory";
import * as portio from "./portio.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(opt("rounds", 5));
const warmups = Number(opt("warmups", 1));
const bulkBytes = Number(opt("bulk-mib", 64)) * 1024 * 1024;
const chunk = 64 * 1024;
const pings = Number(opt("pings", 5000));
const pingSize = 64;
const jsonOut = opt("json", undefined);

const variants = { loopback: getBackend(), memory: memoryBackend(createMemoryNetwork()) };

/** Runs one job on one backend with a fresh server; resolves with seconds. */
async function once(backend, job) {
  setBackend(backend);
  const server = await portio.startServer();
  try {
    return job === "bulk"
      ? await portio.bulk(server.port, bulkBytes, chunk)
      : await portio.pingPong(server.port, pings, pingSize);
  } finally {
    await server.close();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
for (const job of ["bulk", "ping-pong"]) {
  const samples = { loopback: [], memory: [] };
  for (let i = 0; i < warmups; i++) for (const name of ["loopback", "memory"]) await once(variants[name], job);
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ["loopback", "memory"] : ["memory", "loopback"];
    for (const name of order) samples[name].push(await once(variants[name], job));
  }
  const rate = (seconds) => (job === "bulk" ? bulkBytes / 1e6 / seconds : pings / seconds);
  const loopback = rate(median(samples.loopback));
  const memory = rate(median(samples.memory));
  const row = {
    job:
      job === "bulk"
        ? `memory backend vs loopback TCP: bulk, ${bulkBytes / 1024 / 1024} MiB in 64 KiB writes (one process)`
        : `memory backend vs loopback TCP: ${pingSize} B ping-pong (one process)`,
    unit: job === "bulk" ? "MB/s" : "rt/s",
    // The in-memory network should cost no more than real sockets.
    target: 1,
    raw: loopback,
    portio: memory,
    ratio: memory / loopback,
    samples: { raw: samples.loopback.map(rate), portio: samples.memory.map(rate) },
    note: "raw = portio on loopback TCP, portio = portio on @portio/memory",
  };
  results.push(row);
  console.log(
    `${row.job}: loopback ${Math.round(loopback).toLocaleString("en-US")} ${row.unit}, memory ${Math.round(memory).toLocaleString("en-US")} ${row.unit}, ratio ${row.ratio.toFixed(2)}`,
  );
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ results }, null, 2));
