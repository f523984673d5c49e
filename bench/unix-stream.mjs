// @ts-check
// Unix stream sockets: portio (connectUnix / createUnixListener, which run over libc on every
// runtime so that fd passing works) against raw node:net on the same kind of socket, in one
// process run. Runs on Node, Bun and Deno (the same node:net code is the raw side everywhere; on
// Deno node:net is slower than Deno.connect, so there the raw figure is a low bar):
//
//   node bench/unix-stream.mjs [--bulk-mib 64] [--pings 5000] [--rounds 5] [--warmups 1] [--json out.json]
//                              [--peer same|child]
//   node_modules/.bin/bun bench/unix-stream.mjs [same options]
//   node_modules/deno/deno run --allow-all --no-lock bench/unix-stream.mjs [same options]
//
// Jobs: bulk (64 KiB writes one way, then FIN; rate = bytes / time until the reader saw EOF) and
// 64-byte ping-pong (rate = round trips / time). `--peer same` (default): both ends live in this
// process, for raw and portio alike, so each figure includes both sides. `--peer child`: the
// peer is a raw node:net server (byte sink answering "!" at EOF, echo) in a child process, and
// only the client side here differs (and only its CPU is counted): the case where portio's
// reactor cannot find the peer's bytes ready without waiting: on Node the wait is a libuv
// `uv_poll` watcher on Node's own loop (koffi.node.poll), as node:net's; on Bun and Deno, whose
// FFI has no such watcher, a poll(2) on another thread (Bun: a Worker; Deno: a nonblocking
// symbol), a thread round trip per wait. Rounds alternate the variants (ABBA); each
// job reports the medians, their ratio, and the CPU time (user + system) per MB or per round
// trip, which drifts less than wall time when other work shares the machine.
//
// Run it after `pnpm build` (it imports the built `portio` package, as a user would).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EndOfStream, connectUnix, createUnixListener } from "portio";
import { runtimeLabel } from "./runtime.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const bulkBytes = Number(opt("bulk-mib", 64)) * 2 ** 20;
const pings = Number(opt("pings", 5000));
const rounds = Number(opt("rounds", 5));
const warmups = Number(opt("warmups", 1));
const jsonOut = opt("json", undefined);
const peerMode = opt("peer", "same");
if (peerMode !== "same" && peerMode !== "child") throw new Error("--peer must be same or child");
const CHUNK = new Uint8Array(65536).fill(7);
const MESSAGE = new Uint8Array(64).fill(1);

const dir = mkdtempSync(join(tmpdir(), "portio-unix-bench-"));
let serial = 0;
const freshPath = () => join(dir, `s${serial++}`);

/** Runs `body` and returns [wall seconds, CPU seconds]. */
async function measure(body) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
}

/** A connected raw node:net pair over a fresh Unix path. */
async function rawPair() {
  const path = freshPath();
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise((resolve) => server.listen(path, () => resolve(undefined)));
  const accepted = new Promise((resolve) => server.once("connection", resolve));
  const client = net.connect({ path, allowHalfOpen: true });
  await new Promise((resolve) => client.once("connect", resolve));
  const peer = /** @type {net.Socket} */ (await accepted);
  return { client, peer, close: () => new Promise((resolve) => server.close(() => resolve(undefined))) };
}

async function portioPair() {
  const path = freshPath();
  const listener = await createUnixListener(path);
  const [client, peer] = await Promise.all([connectUnix(path), listener.accept()]);
  return { client, peer, close: () => listener.aclose() };
}

/** `pings` round trips of MESSAGE over a raw socket, answered by an echo peer. */
function rawPingPong(socket) {
  return new Promise((resolve) => {
    let pending = 0;
    let done = 0;
    socket.on("data", (b) => {
      pending += b.length;
      while (pending >= MESSAGE.length) {
        pending -= MESSAGE.length;
        if (++done === pings) return resolve(undefined);
        socket.write(MESSAGE);
      }
    });
    socket.write(MESSAGE);
  });
}

// --serve DIR: the child-process peer (raw node:net), listening on DIR/sink and DIR/echo.
if (opt("serve", undefined) !== undefined) {
  const at = opt("serve", "");
  net
    .createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("data", () => {});
      socket.on("end", () => socket.end("!"));
      socket.on("error", () => socket.destroy());
    })
    .listen(join(at, "sink"));
  net
    .createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("data", (b) => socket.write(b));
      socket.on("end", () => socket.end());
      socket.on("error", () => socket.destroy());
    })
    .listen(join(at, "echo"), () => process.stdout.write("READY\n"));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
  await new Promise(() => {});
}

async function startChildPeer() {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--serve", dir], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  for await (const data of child.stdout) if (String(data).includes("READY")) break;
  return child;
}

const rawConnect = async (path) => {
  const socket = net.connect({ path, allowHalfOpen: true });
  await once(socket, "connect");
  return socket;
};

const rawToChild = {
  async bulk() {
    const socket = await rawConnect(join(dir, "sink"));
    const result = await measure(async () => {
      const answered = new Promise((resolve) => {
        socket.on("data", () => {});
        socket.on("end", resolve);
      });
      for (let sent = 0; sent < bulkBytes; sent += CHUNK.length) {
        if (!socket.write(CHUNK)) await once(socket, "drain");
      }
      socket.end();
      await answered;
    });
    socket.destroy();
    return result;
  },
  async ping() {
    const socket = await rawConnect(join(dir, "echo"));
    const result = await measure(() => rawPingPong(socket));
    socket.destroy();
    return result;
  },
};

const portioToChild = {
  async bulk() {
    const stream = await connectUnix(join(dir, "sink"));
    const result = await measure(async () => {
      for (let sent = 0; sent < bulkBytes; sent += CHUNK.length) await stream.send(CHUNK);
      await stream.sendEof();
      for (;;) {
        try {
          await stream.receive();
        } catch (error) {
          if (error instanceof EndOfStream) break;
          throw error;
        }
      }
    });
    await stream.aclose();
    return result;
  },
  async ping() {
    const stream = await connectUnix(join(dir, "echo"));
    const result = await measure(async () => {
      for (let i = 0; i < pings; i++) {
        await stream.send(MESSAGE);
        let got = 0;
        while (got < MESSAGE.length) got += (await stream.receive(MESSAGE.length - got)).length;
      }
    });
    await stream.aclose();
    return result;
  },
};

const raw = {
  async bulk() {
    const { client, peer, close } = await rawPair();
    const result = await measure(async () => {
      let got = 0;
      const received = new Promise((resolve) => {
        peer.on("data", (b) => (got += b.length));
        peer.on("end", resolve);
      });
      for (let sent = 0; sent < bulkBytes; sent += CHUNK.length) {
        if (!client.write(CHUNK)) await new Promise((resolve) => client.once("drain", resolve));
      }
      client.end();
      await received;
      if (got !== bulkBytes) throw new Error(`raw bulk: ${got} of ${bulkBytes} bytes`);
    });
    client.destroy();
    peer.destroy();
    await close();
    return result;
  },
  async ping() {
    const { client, peer, close } = await rawPair();
    peer.on("data", (b) => peer.write(b));
    const result = await measure(() => rawPingPong(client));
    client.destroy();
    peer.destroy();
    await close();
    return result;
  },
};

const portio = {
  async bulk() {
    const { client, peer, close } = await portioPair();
    const result = await measure(async () => {
      const sending = (async () => {
        for (let sent = 0; sent < bulkBytes; sent += CHUNK.length) await client.send(CHUNK);
        await client.sendEof();
      })();
      let got = 0;
      for await (const chunk of peer) got += chunk.length;
      await sending;
      if (got !== bulkBytes) throw new Error(`portio bulk: ${got} of ${bulkBytes} bytes`);
    });
    await client.aclose();
    await peer.aclose();
    await close();
    return result;
  },
  async ping() {
    const { client, peer, close } = await portioPair();
    const echo = (async () => {
      for await (const chunk of peer) await peer.send(chunk);
    })();
    const result = await measure(async () => {
      for (let i = 0; i < pings; i++) {
        await client.send(MESSAGE);
        let got = 0;
        while (got < MESSAGE.length) got += (await client.receive(MESSAGE.length - got)).length;
      }
    });
    await client.sendEof();
    await echo;
    await client.aclose();
    await peer.aclose();
    await close();
    return result;
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const jobs = [
  {
    name: `Unix bulk, ${bulkBytes / 2 ** 20} MiB in 64 KiB writes`,
    key: "bulk",
    unit: "MB/s",
    cpuUnit: "ms CPU/MB",
    per: bulkBytes / 1e6,
  },
  { name: `Unix ping-pong, 64 B, ${pings} round trips`, key: "ping", unit: "rt/s", cpuUnit: "µs CPU/rt", per: pings },
];
const child = peerMode === "child" ? await startChildPeer() : undefined;
const variants = child ? { raw: rawToChild, portio: portioToChild } : { raw, portio };
const results = [];
try {
  for (const job of jobs) {
    for (let w = 0; w < warmups; w++) for (const v of ["raw", "portio"]) await variants[v][job.key]();
    const samples = { raw: [], portio: [] };
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"]) samples[v].push(await variants[v][job.key]());
    }
    const rate = (v) => median(samples[v].map(([wall]) => job.per / wall));
    const cpu = (v) => median(samples[v].map(([, cpu]) => (cpu / job.per) * (job.key === "bulk" ? 1e3 : 1e6)));
    results.push({
      job: job.name,
      unit: job.unit,
      raw: rate("raw"),
      portio: rate("portio"),
      ratio: rate("portio") / rate("raw"),
      cpuUnit: job.cpuUnit,
      cpuRaw: cpu("raw"),
      cpuPortio: cpu("portio"),
      // Per-round rates (each sample is [wall seconds, CPU seconds]), for bench/run.mjs's spread.
      samples: { raw: samples.raw.map(([wall]) => job.per / wall), portio: samples.portio.map(([wall]) => job.per / wall) },
    });
  }
} finally {
  child?.stdin?.end();
  if (child && child.exitCode === null) await once(child, "exit");
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nportio vs raw node:net over Unix stream sockets — ${runtimeLabel}, medians of ${rounds} alternating rounds after ${warmups} warm-ups, ${child ? "raw node:net peer in a child process, CPU of this side only" : "both ends in one process"}`,
);
for (const r of results) {
  console.log(
    `  ${r.job.padEnd(42)} raw ${Math.round(r.raw).toLocaleString("en-US").padStart(7)} ${r.unit}   portio ${Math.round(r.portio).toLocaleString("en-US").padStart(7)} ${r.unit}   ratio ${r.ratio.toFixed(3)}   CPU raw ${r.cpuRaw.toFixed(2)} / portio ${r.cpuPortio.toFixed(2)} ${r.cpuUnit}`,
  );
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, rounds, warmups, results }, null, 2));
