// @ts-check
// What the memory backend costs: the same portio code (bench/portio.mjs: bulk and 64 B ping-pong,
// client and server in this one process) on @portio/memory's in-memory network and on the
// runtime's loopback TCP, same run. bench/run.mjs starts it as job "memory" under each Node major,
// Bun and Deno; the ratio is memory/loopback (above 1: the memory network is faster).
//
//   node bench/memory.mjs [--json out.json] [--rounds 5] [--warmups 1] [--bulk-mib 64] [--pings 5000] [--settle gc|none]
//
// Rounds alternate the two (ABBA order, so warm-up and machine drift hit both alike); each job
// reports the median of its rounds. Every measured round starts after a full collection
// (`--settle gc`, see `collect`): without it a round also frees the previous variant's garbage,
// and the bulk memory variant, always second of three, never follows its own.
//
// The bulk job also measures a floor in the same rounds (printed as a note, not a table cell):
// `floor` is an in-memory byte stream written from the language alone, nothing of portio's, held to
// the contract the memory backend has. A send's bytes are the sender's to reuse once it resolves,
// and a received chunk is the reader's to keep, so each 64 KiB send is copied into a fresh buffer
// (`slice()`, one allocation and one copy: the least any owned-chunk API does); the sender awaits
// once per send, bounded by the memory network's default 2 MiB buffer, and the reader awaits once
// per chunk (one await per operation, as any promise-based API needs). Each variant's round also
// records its CPU time (process.cpuUsage) and minor page faults (/proc/self/stat, Linux): a fresh
// 64 KiB buffer per send leaves ~64 MiB of garbage between the engine's collections, and a round
// whose garbage lands on pages the process has not touched yet pays a fault per 4 KiB page. Those
// rounds are slow for the floor as much as for portio, so the note shows whether the spread of
// the memory samples is portio's or the runtime's.
import { readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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
const settle = opt("settle", "gc");

/**
 * A full collection before each measured round (`--settle gc`, the default; `none` to skip), so
 * that a round starts without the garbage of the variant before it: the memory variant always
 * runs second of three, after the loopback's or the floor's 64 MiB of garbage, where the other two
 * follow their own half the time. Bun has Bun.gc; Node and Deno expose V8's gc() once the flag is set.
 */
const collect = (() => {
  if (settle === "none") return () => {};
  const bun = /** @type {any} */ (globalThis).Bun;
  if (bun?.gc) return () => bun.gc(true);
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc");
})();

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

/** The bulk floor (see the header): resolves with seconds. */
async function floorBulk(total, chunkSize) {
  const capacity = 2 * 1024 * 1024;
  const data = new Uint8Array(chunkSize).fill(7);
  /** @type {Uint8Array[]} */
  const queue = [];
  let queued = 0;
  /** @type {((chunk: Uint8Array | null) => void) | undefined} */
  let reader;
  /** @type {((value?: unknown) => void) | undefined} */
  let writer;
  let ended = false;
  const receive = () => {
    const chunk = queue.shift();
    if (chunk !== undefined) {
      queued -= chunk.byteLength;
      if (writer !== undefined && queued < capacity) writer = void writer();
      return Promise.resolve(chunk);
    }
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => (reader = resolve));
  };
  const send = (bytes) => {
    const owned = bytes.slice();
    if (reader !== undefined) reader = void reader(owned);
    else {
      queue.push(owned);
      queued += owned.byteLength;
    }
    return queued < capacity ? Promise.resolve() : new Promise((resolve) => (writer = resolve));
  };
  const counting = (async () => {
    let count = 0;
    for (let chunk = await receive(); chunk !== null; chunk = await receive()) count += chunk.byteLength;
    return count;
  })();
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunkSize) await send(data);
  ended = true;
  if (reader !== undefined) reader = void reader(null);
  const count = await counting;
  const seconds = (performance.now() - t0) / 1000;
  if (count !== total) throw new Error(`floor bulk: the reader counted ${count} of ${total} bytes`);
  return seconds;
}

/** Minor page faults of this process so far (Linux); `undefined` where /proc is not there. */
function minorFaults() {
  try {
    // Field 10 of /proc/self/stat, counted after the command name (which may hold spaces).
    const stat = readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return undefined;
  }
}

/** One round of `name`, with its CPU time (ms, both ends: one process) and minor faults. */
async function measured(name, job) {
  collect();
  const faults0 = minorFaults();
  const cpu0 = process.cpuUsage();
  const seconds = name === "floor" ? await floorBulk(bulkBytes, chunk) : await once(variants[name], job);
  const cpu = process.cpuUsage(cpu0);
  const faults1 = minorFaults();
  const faults = faults0 === undefined || faults1 === undefined ? undefined : faults1 - faults0;
  return { seconds, cpuMs: (cpu.user + cpu.system) / 1000, faults };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
for (const job of ["bulk", "ping-pong"]) {
  const names = job === "bulk" ? ["loopback", "memory", "floor"] : ["loopback", "memory"];
  /** @type {Record<string, { seconds: number, cpuMs: number, faults: number | undefined }[]>} */
  const measures = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < warmups; i++) for (const name of names) await measured(name, job);
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) measures[name].push(await measured(name, job));
  }
  const samples = Object.fromEntries(names.map((name) => [name, measures[name].map((m) => m.seconds)]));
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
    note: `raw = portio on loopback TCP, portio = portio on @portio/memory${job === "bulk" ? `; ${floorNote(measures)}` : ""}`,
  };
  results.push(row);
  console.log(
    `${row.job}: loopback ${Math.round(loopback).toLocaleString("en-US")} ${row.unit}, memory ${Math.round(memory).toLocaleString("en-US")} ${row.unit}, ratio ${row.ratio.toFixed(2)}`,
  );
}
/** The bulk floor against portio on memory, same rounds, and each variant's cost per round. */
function floorNote(measures) {
  const rate = (m) => bulkBytes / 1e6 / m.seconds;
  const perRound = measures.memory.map((m, i) => rate(m) / rate(measures.floor[i]));
  const mib = bulkBytes / 1024 / 1024;
  const cost = (name) => {
    const cpu = median(measures[name].map((m) => m.cpuMs));
    const faults = measures[name].map((m) => m.faults);
    return (
      `${name} ${Math.round((cpu * 1000) / mib)} µs` +
      (faults.includes(undefined) ? "" : ` (faults per round ${faults.join("/")})`)
    );
  };
  return (
    `floor (in-memory stream from the language alone, a fresh buffer per 64 KiB send, one await per send and receive) ` +
    `${Math.round(rate({ seconds: median(measures.floor.map((m) => m.seconds)) })).toLocaleString("en-US")} MB/s, ` +
    `rounds ${measures.floor.map((m) => Math.round(rate(m))).join("/")} MB/s; memory rounds ${measures.memory.map((m) => Math.round(rate(m))).join("/")} MB/s; ` +
    `memory / floor ${median(perRound).toFixed(2)} (median per-round); CPU per MiB (both ends, median round) ${["loopback", "memory", "floor"].map(cost).join(", ")}`
  );
}

if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ results }, null, 2));
