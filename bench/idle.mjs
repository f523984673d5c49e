// @ts-check
// Memory per idle connection: a client process holds `--connections` (10,000) TCP connections
// open and idle; reported is its resident set growth divided by the connections, portio against
// the runtime's raw API, same run.
//
//   node bench/idle.mjs [--json out.json] [--rounds 3] [--connections 10000] [--concurrency 64]
//   (also under Bun and Deno: `bun bench/idle.mjs`, `deno run -A bench/idle.mjs`)
//
// File descriptors: the client needs one per connection and the peer (bench/hold-peer.mjs,
// node:net, accepts and holds, never reads) one more each, so the soft limit (`ulimit -n`) must
// be above the connection count; the script checks it and says so (bench/run.mjs raises it for
// this job, up to the hard limit). Each measurement is a fresh client process of this runtime
// and a fresh peer (a new listening port, so the previous round's TIME_WAIT connections are no
// obstacle): the client opens and closes 200 connections first (code paths loaded), collects
// garbage where the runtime lets it, notes VmRSS, opens the connections (`--concurrency` at a
// time), waits until the peer has accepted all, collects garbage again, notes VmRSS. Variants:
// raw (net.connect on Node, Bun.connect on Bun, Deno.connect on Deno) and portio (connectTcp).
// The ratio is raw / portio bytes per connection (above 1: portio uses less); the issue sets no
// target for it, so it is reported, not checked.
//
// (Also run as `<runtime> bench/idle.mjs --role client --variant raw|portio --port N`.)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { currentRss, median, option, runtimeLabel, runtimeName, selfCommand } from "./runtime.mjs";

const connections = Number(option("connections", 10_000));
const concurrency = Number(option("concurrency", 64));

if (option("role", "driver") === "client") await runClient();
else await runDriver();

/** The soft limit on open files of this process (/proc/self/limits). */
function openFileLimit() {
  const match = /Max open files\s+(\d+|unlimited)/.exec(readFileSync("/proc/self/limits", "utf8"));
  return match?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match?.[1] ?? 1024);
}

async function collectGarbage() {
  const g = /** @type {any} */ (globalThis);
  for (let i = 0; i < 3; i++) {
    if (typeof g.gc === "function") g.gc();
    else if (g.Bun) g.Bun.gc(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An opener for the raw variant: resolves with a close function per connection. */
async function rawOpener(port) {
  const g = /** @type {any} */ (globalThis);
  if (runtimeName === "deno") {
    return async () => {
      const conn = await g.Deno.connect({ hostname: "127.0.0.1", port });
      return () => conn.close();
    };
  }
  if (runtimeName === "bun") {
    return async () => {
      const socket = await g.Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      return () => socket.end();
    };
  }
  const net = await import("node:net");
  return async () => {
    const socket = net.connect({ host: "127.0.0.1", port });
    await once(socket, "connect");
    return () => socket.destroy();
  };
}

async function portioOpener(port) {
  const { connectTcp } = await import("portio");
  return async () => {
    const stream = await connectTcp("127.0.0.1", port);
    return () => stream.aclose();
  };
}

async function openMany(open, count) {
  const closers = [];
  let next = 0;
  const loop = async () => {
    while (next < count) {
      next++;
      closers.push(await open());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
  return closers;
}

async function runClient() {
  const port = Number(option("port"));
  const open = await (option("variant") === "raw" ? rawOpener : portioOpener)(port);
  for (const close of await openMany(open, 200)) await close();
  await collectGarbage();
  const before = await currentRss();
  const held = await openMany(open, connections);
  // Tell the driver; it answers once the peer has accepted every connection.
  process.stdout.write("OPEN\n");
  for await (const _line of createInterface({ input: process.stdin })) break;
  await collectGarbage();
  const after = await currentRss();
  process.stdout.write(`${JSON.stringify({ before, after, held: held.length })}\n`);
  process.exit(0);
}

async function runDriver() {
  const rounds = Number(option("rounds", 3));
  const jsonOut = option("json", undefined);
  const needed = connections + 256;
  if (openFileLimit() < needed) {
    throw new Error(
      `idle.mjs needs ${needed} open files per process, the soft limit is ${openFileLimit()}: run it after \`ulimit -n ${needed}\` (bench/run.mjs does so for this job)`,
    );
  }

  async function measure(variant) {
    const peer = spawn("node", [new URL("./hold-peer.mjs", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
    const peerLines = createInterface({ input: /** @type {any} */ (peer.stdout) })[Symbol.asyncIterator]();
    const port = Number(/PORT (\d+)/.exec((await peerLines.next()).value)?.[1]);
    // V8's gc() for an exact "after": Node and Deno need the flag, Bun has Bun.gc().
    const gcFlag = runtimeName === "node" ? ["--expose-gc"] : runtimeName === "deno" ? ["--v8-flags=--expose-gc"] : [];
    const [cmd, argv] = selfCommand("./idle.mjs", [
      "--role",
      "client",
      "--variant",
      variant,
      "--port",
      String(port),
      "--connections",
      String(connections),
      "--concurrency",
      String(concurrency),
    ]);
    const args = runtimeName === "deno" ? [argv[0], ...gcFlag, ...argv.slice(1)] : [...gcFlag, ...argv];
    const client = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
    try {
      const lines = createInterface({ input: /** @type {any} */ (client.stdout) })[Symbol.asyncIterator]();
      const first = await lines.next();
      if (first.value !== "OPEN") throw new Error(`${variant} client failed to open its connections`);
      // Bounded: the peer accepts from its backlog; 6,000 asks (a minute) are far more than it needs.
      for (let ask = 0; ; ask++) {
        peer.stdin?.write("?\n");
        const accepted = Number(/ACCEPTED (\d+)/.exec((await peerLines.next()).value)?.[1]);
        if (accepted >= connections) break;
        if (ask === 6000) throw new Error(`the peer accepted only ${accepted} of ${connections}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      client.stdin?.write("measure\n");
      const result = JSON.parse((await lines.next()).value);
      return (result.after - result.before) / result.held;
    } finally {
      client.stdin?.end();
      if (client.exitCode === null && client.signalCode === null) await once(client, "exit");
      peer.stdin?.end();
      if (peer.exitCode === null && peer.signalCode === null) await once(peer, "exit");
    }
  }

  /** @type {Record<string, number[]>} */
  const samples = { raw: [], portio: [] };
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"]) samples[v].push(await measure(v));
  const kib = (xs) => xs.map((x) => x / 1024);
  const row = {
    job: `${connections} idle TCP connections: memory per connection (client process RSS growth / connections)`,
    unit: "KiB/conn",
    kind: "lower-is-better",
    target: null,
    raw: median(kib(samples.raw)),
    portio: median(kib(samples.portio)),
    ratio: median(samples.raw) / median(samples.portio),
    samples: { raw: kib(samples.raw), portio: kib(samples.portio) },
  };
  console.log(
    `idle connections — ${runtimeLabel}, ${connections} connections, medians of ${rounds} rounds, one client process each`,
  );
  console.log(
    `  per connection: raw ${row.raw.toFixed(2)} KiB, portio ${row.portio.toFixed(2)} KiB, ratio raw/portio ${row.ratio.toFixed(3)}`,
  );
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, rounds, results: [row] }, null, 2));
}
