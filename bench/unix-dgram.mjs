// Unix datagrams one way through socketpair("dgram"): portio against the best raw alternative
// on Node, Bun and Deno, in one process run, as a ratio.
//
//   node bench/unix-dgram.mjs [--count 100000] [--size 512] [--rounds 7] [--warmups 1] [--json out.json]
//   node_modules/.bin/bun --conditions=portio-source bench/unix-dgram.mjs [same options]
//   node_modules/deno/deno run --allow-all --no-lock --no-config --node-modules-dir=manual \
//     --conditions=portio-source bench/unix-dgram.mjs [same options]
//
// No runtime has a native Unix datagram API that portio could be measured against (Bun's
// Bun.connect({fd}) gives stream semantics, Deno's unixpacket datagrams are unstable and Node has
// none), so "raw" is the libc path without portio on top: the same FFI binder (koffi, bun:ffi,
// Deno.dlopen) and reactor, driven with LibcSocket's own send/recv (what portio's transport
// would be if it added nothing). node:dgram UDP over loopback (same sizes, same process, sender
// in bursts of 64 per event-loop turn) is printed for reference only: a different socket type,
// whose loss is part of its result.
//
// Each round: one pair, a sender task awaiting each send and a receiver task awaiting each
// receive, both in this process. Rate = datagrams received / (last receive - first send).
// Loss = count - received (a datagram socketpair is flow-controlled: the sender waits when the
// receiver falls behind, so nothing should be lost; the receiver is closed 500 ms after the sender
// finished if some are missing). Rounds alternate the variants (ABBA); medians. Also reported: the
// CPU time (user + system) of this process per datagram, steadier than the rate on a busy machine,
// and the median over rounds of portio's CPU per datagram over raw's in the same round.
//
// Node: the workspace sources are bundled with esbuild (tsup's) first, so no build is needed and
// what is measured is the current source. Bun and Deno import the sources directly (their own
// imports reach the workspace packages through node_modules and the portio-source condition).
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runtimeLabel, runtimeName } from "./runtime.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const count = Number(opt("count", 100_000));
const size = Number(opt("size", 512));
const rounds = Number(opt("rounds", 7));
const warmups = Number(opt("warmups", 1));
const jsonOut = opt("json", undefined);
const IDLE_MS = 500;

const root = fileURLToPath(new URL("..", import.meta.url));

// ---- the sources, bundled ------------------------------------------------------------------

async function loadSources() {
  if (runtimeName === "bun") {
    const core = await import("../packages/core/src/index.ts");
    const bun = await import("../backends/bun/src/index.ts");
    const libc = await import("../packages/libc-socket/src/index.ts");
    return { ...core, backend: bun.bunBackend, binder: bun.getBunFfiBinder(), LibcSocket: libc.LibcSocket };
  }
  if (runtimeName === "deno") {
    // The sources by path, as under Bun: their own imports reach the workspace packages through
    // node_modules (--node-modules-dir=manual --conditions=portio-source), which Deno resolves to
    // these same files. A variable keeps Node's type-check from resolving them.
    const load = (path) => import(path);
    const core = await load("../packages/core/src/index.ts");
    const deno = await load("../backends/deno/src/index.ts");
    const libc = await load("../packages/libc-socket/src/index.ts");
    return { ...core, backend: deno.denoBackend, binder: deno.getDenoBinder(), LibcSocket: libc.LibcSocket };
  }
  const dir = join(root, ".tmp", "bench-unix-dgram");
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "entry.ts");
  const src = (path) => JSON.stringify(join(root, path));
  writeFileSync(
    entry,
    [
      `export { socketpair, setBackend, ClosedResourceError } from ${src("packages/core/src/index.ts")};`,
      `export { nodeBackend } from ${src("backends/node/src/index.ts")};`,
      `export { getKoffiBinder } from ${src("backends/node/src/libc-binder.ts")};`,
      `export { LibcSocket, getReactor } from ${src("packages/libc-socket/src/index.ts")};`,
    ].join("\n"),
  );
  const outfile = join(dir, "bundle.mjs");
  const esbuildPackage = createRequire(createRequire(join(root, "package.json")).resolve("tsup")).resolve("esbuild/package.json");
  execFileSync(
    join(esbuildPackage, "../bin/esbuild"),
    [
      entry,
      `--outfile=${outfile}`,
      "--bundle",
      "--format=esm",
      "--platform=node",
      "--external:koffi",
      `--alias:@portio/core/backend=${join(root, "packages/core/src/backend/index.ts")}`,
      `--alias:@portio/core=${join(root, "packages/core/src/index.ts")}`,
      `--alias:@portio/libc-socket=${join(root, "packages/libc-socket/src/index.ts")}`,
      `--alias:@portio/node-shared=${join(root, "packages/node-shared/src/index.ts")}`,
      // koffi is required relative to import.meta.url: make that the binder's own location.
      `--define:import.meta.url=${JSON.stringify(pathToFileURL(join(root, "backends/node/src/libc-binder.ts")).href)}`,
      "--log-level=warning",
    ],
    { stdio: "inherit" },
  );
  const bundle = await import(pathToFileURL(outfile).href);
  return { ...bundle, backend: bundle.nodeBackend, binder: bundle.getKoffiBinder() };
}

const lib = await loadSources();
lib.setBackend(lib.backend);
const binder = lib.binder;

// ---- variants ------------------------------------------------------------------------------

/**
 * Runs one round over a pair: `send(data)` `count` times, `receive()` until `count` arrived or
 * the pair is closed. Returns { seconds, received, outOfOrder }.
 */
async function oneWay({ send, receive, closeReceiver, close }) {
  const data = new Uint8Array(size).fill(7);
  const view = new DataView(data.buffer);
  let received = 0;
  let outOfOrder = 0;
  let last = 0;
  let idle;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const receiving = (async () => {
    try {
      while (received < count) {
        const datagram = await receive();
        if (datagram.length !== size) throw new Error(`got ${datagram.length} bytes, sent ${size}`);
        if (new DataView(datagram.buffer, datagram.byteOffset).getUint32(0) !== received) outOfOrder++;
        received++;
      }
      last = performance.now();
    } catch (error) {
      last = performance.now();
      if (!(error instanceof lib.ClosedResourceError)) throw error;
    } finally {
      clearTimeout(idle);
    }
  })();
  for (let i = 0; i < count; i++) {
    view.setUint32(0, i);
    await send(data);
  }
  idle = setTimeout(closeReceiver, IDLE_MS);
  await receiving;
  const cpu = process.cpuUsage(cpu0);
  await close();
  return { seconds: (last - t0) / 1000, received, outOfOrder, cpuMicros: (cpu.user + cpu.system) / Math.max(received, 1) };
}

const variants = {
  async portio() {
    const [a, b] = await lib.socketpair("dgram");
    return oneWay({
      send: (data) => a.send(data),
      receive: () => b.receive(),
      closeReceiver: () => b.aclose(),
      close: () => Promise.all([a.aclose(), b.aclose()]),
    });
  },
  async raw() {
    const [a, b] = lib.LibcSocket.socketpair(binder, "dgram");
    return oneWay({
      send: (data) => a.send(data),
      receive: () => b.recv(65536),
      closeReceiver: () => b.close(),
      close: () => Promise.all([a.close(), b.close()]),
    });
  },
};

/** node:dgram UDP over 127.0.0.1, for reference: burst sender, 'message' receiver. */
async function udpReference() {
  const bind = async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise((resolve) => socket.bind({ address: "127.0.0.1", port: 0 }, resolve));
    return socket;
  };
  const [sender, receiver] = [await bind(), await bind()];
  const port = receiver.address().port;
  const data = new Uint8Array(size).fill(7);
  let received = 0;
  let last = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  let idle;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(finish, 100);
  };
  receiver.on("message", () => {
    last = performance.now();
    if (++received === count) finish();
    else if (sendingDone) armIdle();
  });
  let sendingDone = false;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    let sent = 0;
    const onSent = (error) => {
      if (error) reject(error);
      else if (++sent === count) resolve();
    };
    const burst = (start) => {
      const end = Math.min(count, start + 64);
      for (let i = start; i < end; i++) sender.send(data, port, "127.0.0.1", onSent);
      if (end < count) setImmediate(burst, end);
    };
    burst(0);
  });
  sendingDone = true;
  if (received < count) armIdle();
  await done;
  clearTimeout(idle);
  await Promise.all([sender, receiver].map((s) => new Promise((resolve) => s.close(resolve))));
  return { seconds: (last - t0) / 1000, received, outOfOrder: 0 };
}

// ---- the run -------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(
  `unix datagrams through socketpair("dgram"): ${count} × ${size} B, ${runtimeLabel}, ` +
    `medians of ${rounds} rounds (ABBA) after ${warmups} warm-up(s)`,
);
for (let w = 0; w < warmups; w++) {
  await variants.raw();
  await variants.portio();
  await udpReference();
}
const samples = { raw: [], portio: [], udp: [] };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"]) samples[name].push(await variants[name]());
  samples.udp.push(await udpReference());
}

const summary = {};
for (const [name, results] of Object.entries(samples)) {
  const rates = results.map((r) => r.received / r.seconds);
  const rate = median(rates);
  const lost = results.reduce((sum, r) => sum + (count - r.received), 0);
  const outOfOrder = results.reduce((sum, r) => sum + r.outOfOrder, 0);
  const spread = (Math.max(...rates) - Math.min(...rates)) / rate;
  // CPU time (user + system, this process) per datagram received: it drifts much less than the
  // rate when other work shares the machine. The UDP reference has none (it idles by design).
  const cpuMicros = name === "udp" ? undefined : median(results.map((r) => r.cpuMicros));
  summary[name] = { rate, lost, outOfOrder, spread, rates, cpuMicros };
  const label = { raw: "raw LibcSocket (FFI)", portio: "portio socketpair(dgram)", udp: "node:dgram UDP (ref.)" }[name];
  const loss = ((lost / (count * results.length)) * 100).toFixed(2);
  console.log(
    `  ${label.padEnd(26)} ${Math.round(rate).toLocaleString("en").padStart(9)} datagrams/s  ` +
      `±${(spread * 50).toFixed(1)}%  loss ${lost} of ${count * results.length} (${loss}%)` +
      (outOfOrder > 0 ? `  out of order ${outOfOrder}` : "") +
      (summary[name].cpuMicros === undefined ? "" : `  CPU ${summary[name].cpuMicros.toFixed(2)} µs/datagram`),
  );
}
const ratio = summary.portio.rate / summary.raw.rate;
// Round r ran raw and portio back to back (ABBA): the median of their CPU ratio per round cancels
// load that hits a whole round, which the ratio of the medians does not.
const cpuRatio = median(samples.portio.map((result, r) => result.cpuMicros / samples.raw[r].cpuMicros));
console.log(
  `  ratio portio / raw: ${ratio.toFixed(3)} (target ≥ 0.95); portio / node:dgram UDP: ` +
    `${(summary.portio.rate / summary.udp.rate).toFixed(3)}; CPU per datagram portio / raw, per round: ${cpuRatio.toFixed(3)}`,
);
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, count, size, rounds, summary, ratio, cpuRatio }, null, 2));
}
