// @ts-check
// Memory of a sender facing a reader that never reads: `send()` must stop accepting data once the
// runtime's write buffer is above its high-water mark, so the sender's memory stays bounded by
// the configured buffers however much it is asked to send.
//
//   node bench/backpressure.mjs [--json out.json] [--rounds 3] [--offer-mib 256] [--limit-mib 16]
//   (also under Bun and Deno: `bun bench/backpressure.mjs`, `deno run -A bench/backpressure.mjs`)
//
// Each measurement is a fresh sender process of this runtime (so that one variant's heap does not
// count against the other): it connects to bench/hold-peer.mjs (node:net, accepts and never
// reads), notes its resident set (VmRSS), resets the peak (/proc/self/clear_refs), then sends
// `offer-mib` MiB in 64 KiB sends until a send stays pending (the connection stalled: the
// counter of accepted bytes did not move for 500 ms) and reports the peak (VmHWM) minus the
// starting RSS, and the bytes its sends accepted (most of them sit in the kernel's socket
// buffers, which are not the process's memory). Variants: raw (node:net write() + 'drain' on
// Node and Bun, Deno.connect write() on Deno) and portio (`await stream.send()`). Met when
// portio's peak growth is at most `limit-mib` (far below the offered volume: unbounded queueing
// would grow by about the offered MiB).
//
// (Also run as `<runtime> bench/backpressure.mjs --role sender --variant raw|portio --port N`.)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { currentRss, median, option, peakRss, runtimeLabel, runtimeName, selfCommand } from "./runtime.mjs";

const MiB = 2 ** 20;
const chunk = 64 * 1024;
const offer = Number(option("offer-mib", 256)) * MiB;

if (option("role", "driver") === "sender") await runSender();
else await runDriver();

/** Resolves once `progress()` has not changed for `quietMs` (the sends stalled) or `done()`. */
async function stalled(progress, done, quietMs = 500) {
  let last = progress();
  let since = performance.now();
  while (!done()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = progress();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}

async function rawSender(port) {
  const data = new Uint8Array(chunk).fill(7);
  if (runtimeName === "deno") {
    const Deno = /** @type {any} */ (globalThis).Deno;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    return async (accepted) => {
      for (let sent = 0; sent < offer; sent += chunk) {
        let off = 0;
        while (off < chunk) off += await conn.write(data.subarray(off));
        accepted(chunk);
      }
    };
  }
  const net = await import("node:net");
  const socket = net.connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  return async (accepted) => {
    for (let sent = 0; sent < offer; sent += chunk) {
      const belowHighWaterMark = socket.write(data);
      accepted(chunk);
      if (!belowHighWaterMark) await once(socket, "drain");
    }
  };
}

async function portioSender(port) {
  const { connectTcp } = await import("portio");
  const stream = await connectTcp("127.0.0.1", port);
  const data = new Uint8Array(chunk).fill(7);
  return async (accepted) => {
    for (let sent = 0; sent < offer; sent += chunk) {
      await stream.send(data);
      accepted(chunk);
    }
  };
}

async function runSender() {
  const port = Number(option("port"));
  const send = await (option("variant") === "raw" ? rawSender : portioSender)(port);
  const { writeFileSync: write } = await import("node:fs");
  const start = await currentRss();
  // "5" resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0), so the peak below is the
  // sending's, not the start-up's.
  write("/proc/self/clear_refs", "5");
  let accepted = 0;
  let finished = false;
  send((n) => (accepted += n)).then(() => (finished = true));
  await stalled(
    () => accepted,
    () => finished,
  );
  const peak = await peakRss();
  process.stdout.write(`${JSON.stringify({ start, peak, accepted, finished })}\n`);
  // Not aclose(): a graceful close would wait (bounded) to flush to a peer that never reads.
  process.exit(0);
}

async function runDriver() {
  const rounds = Number(option("rounds", 3));
  const limit = Number(option("limit-mib", 16)) * MiB;
  const jsonOut = option("json", undefined);

  async function measure(variant) {
    // The peer is Node's node:net whatever runtime is measured ("node" on PATH).
    const peer = spawn("node", [new URL("./hold-peer.mjs", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: /** @type {any} */ (peer.stdout) })[Symbol.asyncIterator]();
    const port = Number(/PORT (\d+)/.exec((await lines.next()).value)?.[1]);
    try {
      const [cmd, argv] = selfCommand("./backpressure.mjs", [
        "--role",
        "sender",
        "--variant",
        variant,
        "--port",
        String(port),
        "--offer-mib",
        String(offer / MiB),
      ]);
      const sender = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      for await (const data of /** @type {any} */ (sender.stdout)) out += data;
      if (sender.exitCode === null && sender.signalCode === null) await once(sender, "exit");
      if (sender.exitCode !== 0) throw new Error(`${variant} sender failed (exit ${sender.exitCode})`);
      const result = JSON.parse(out.trim().split("\n").at(-1) ?? "");
      return { growth: result.peak - result.start, accepted: result.accepted, finished: result.finished };
    } finally {
      peer.stdin?.end();
      if (peer.exitCode === null && peer.signalCode === null) await once(peer, "exit");
    }
  }

  /** @type {Record<string, { growth: number, accepted: number, finished: boolean }[]>} */
  const samples = { raw: [], portio: [] };
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"]) samples[v].push(await measure(v));
  const mib = (x) => x / MiB;
  const growth = (v) => samples[v].map((s) => mib(s.growth));
  const accepted = (v) => median(samples[v].map((s) => mib(s.accepted))).toFixed(1);
  const unbounded = Object.entries(samples)
    .filter(([, s]) => s.some((x) => x.finished))
    .map(([v]) => v);
  const row = {
    job: `sender facing a reader that never reads: peak RSS growth, ${offer / MiB} MiB offered in 64 KiB sends`,
    unit: "MiB",
    kind: "bound",
    limit: limit / MiB,
    target: null,
    raw: median(growth("raw")),
    portio: median(growth("portio")),
    ratio: null,
    samples: { raw: growth("raw"), portio: growth("portio") },
    note: `bytes the sends accepted before stalling (median; most sit in the kernel's socket buffers): raw ${accepted("raw")} MiB, portio ${accepted("portio")} MiB${unbounded.length ? `; NEVER STALLED: ${unbounded.join(", ")}` : ""}`,
  };
  console.log(`backpressure — ${runtimeLabel}, medians of ${rounds} rounds, one sender process each`);
  console.log(
    `  peak RSS growth: raw ${row.raw.toFixed(1)} MiB (${Math.min(...row.samples.raw).toFixed(1)}–${Math.max(...row.samples.raw).toFixed(1)}), portio ${row.portio.toFixed(1)} MiB (${Math.min(...row.samples.portio).toFixed(1)}–${Math.max(...row.samples.portio).toFixed(1)}), limit ${row.limit} MiB`,
  );
  console.log(`  ${row.note}`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, rounds, results: [row] }, null, 2));
}
