// @ts-check
// Adopted sockets vs natively created ones: the same portio bulk and ping-pong jobs on a stream
// made by `SocketStream.fromSocket(fd)` and on one made by `connectTcp`, same run, as a ratio
// adopted / native (target ≥ 0.95: adoption must not leave a slower stream behind).
//
//   node bench/adopted.mjs [--client node|bun|deno|PATH] [--json out.json] [--rounds 7] [--warmups 1]
//                          [--bulk-mib 128] [--pings 10000] [--pin split|same|none] [--floor on|off]
//
// The fd comes the way adoption meets it in production (systemd, a parent process): this driver
// (always Node: it needs node:child_process's socket passing) connects to the server with
// node:net and starts the client process with that socket as its fd 3, then closes its own copy.
// The client (under the runtime `--client` names; default the driver's own Node) warms up with
// one job on an adopted stream (fd 4) and one on a connectTcp stream, then measures one job on
// either `fromSocket(3)` ("adopted") or a fresh `connectTcp` ("native"), and prints the seconds.
// A fresh client process per round, so both variants start alike; rounds alternate the variants
// (ABBA). The server is raw node:net (bench/server.mjs raw) in its own process, the same for both.
//
// Every variant's warm-up first adopts a second connection (fd 4) and closes it: a process's
// first adoption loads what adoption needs (on Node, @portio/libc-socket and koffi: about 1.2 MB
// of live objects on the young heap), and without this only the adopted variant's measured job
// paid for copying and promoting them. Node 20, a 128 MiB bulk job (--trace-gc): the adopted job
// ran two scavenges (one promoting those objects, 2-5 ms) where the native job ran one (0.5-1
// ms), heap at its start 8.0 against 6.7 MB; with the fd-4 adoption in both, one each and 6.8
// against 6.7 MB. Everything per MiB is the same on both streams (the same TCP handle, direct
// reads, 2,049 write() calls and about 2,070 write(2)s per 128 MiB, the same socket state in
// `ss`, and the same instructions: callgrind, 16 MiB window, 12.40 M native / 12.63 M adopted
// without a scavenge, +3.3 / +3.5 M with one). The first adoption's time is reported as such.
//
// The warm-up then runs the measured job on that fd-4 stream too, before the connectTcp one: on
// Deno an adopted stream is node:net's (NetStreamTransport) and connectTcp's is Deno.connect's, so
// a warm-up on connectTcp alone left portio's adopted send path (its transport's write, and core's
// send re-optimised for a second transport class: --trace-opt/--trace-deopt show send, write and
// their settle handlers compiled and deoptimised during the measured job) cold in the adopted
// variant only, while the floors' own code is a few lines. Deno 2.9.6, 128 MiB bulk, client CPU
// adopted / `node:net awaited` per round: 1.123 median over 30 rounds (23 above 1) with the fd-4
// stream only closed, 0.966 (12 above 1) with the job run on it. Warm, nothing measurable is left:
// one process alternating the two on fresh adopted fds (32 MiB jobs, 24 per run), the median
// per-round ratio was 0.95-1.17 over six runs (median 1.01), as portio hands the caller's bytes
// straight to socket.write() as the floor does (no copy, no cork, no writev, one 'drain' listener).
//
// The floor (`--floor on`, the default for a Deno client): a third variant, `node:net`, runs the
// same job with no portio at all, on the same kind of adopted fd: `new net.Socket({ fd: 3 })`,
// 'data' events, write() + 'drain' (bench/raw.mjs's jobs, after the same warm-up as the others).
// No Deno API wraps an existing fd as a Deno.Conn (denoland/deno#14006, #6529), so on Deno an
// adopted socket can only be node:net's, and the fastest raw use of node:net is the least any API
// over an adopted fd can cost there: portio's adopted stream is read against it as well as
// against connectTcp (which Deno builds on Deno.connect). Each client also reports its CPU time
// (user + system) for the measured job; the medians per MiB / per round trip are in the note.
//
// The awaited floor (with the floor): a fourth variant, `node:net awaited`, runs portio.mjs's own
// jobs on that node:net socket held to an awaited API's contract (AwaitedNetStream below: one
// promise per send and per receive, reads through net's `onread`, nothing else), as
// bench/raw-awaited.mjs is the floor of bench/main.mjs on Node. The `node:net` floor writes each
// ping from inside the read callback; on Deno's node:net that write then precedes the socket's
// next read attempt, while any awaited API's write comes after it (a recv that finds nothing and
// a wait in epoll per round trip; measured with strace -c): fromSocket / `node:net awaited` is
// what portio's own code costs there.
//
// (Also run as `<runtime> bench/adopted.mjs --role client --variant adopted|native|node:net|"node:net awaited" --job
// bulk|ping-pong --port N ...`, the client; it prints one JSON line.)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, option, pinSelf, runtimeLabel, selfCommand, spawnPeer } from "./runtime.mjs";

const bulkBytes = Number(option("bulk-mib", 128)) * 1024 * 1024;
const chunk = 64 * 1024;
const pings = Number(option("pings", 10_000));
const pingSize = 64;

async function runClient() {
  const portio = await import("./portio.mjs");
  const { SocketStream, connectTcp } = await import("portio");
  const port = Number(option("port"));
  const bulk = option("job") === "bulk";
  const run = (stream) => (bulk ? portio.bulkOn(stream, bulkBytes, chunk) : portio.pingPongOn(stream, pings, pingSize));
  // The warm-up is the same for every variant, the floor's too: each measured job starts from the
  // same process history, with both of portio's stream paths warm (on Deno, node:net's and
  // Deno.connect's) and the first adoption's loading done (fd 4, see the header).
  const t = performance.now();
  const warmUpAdopted = await SocketStream.fromSocket(4);
  firstAdoptionMs = performance.now() - t;
  await run(warmUpAdopted);
  await run(await connectTcp("127.0.0.1", port));
  if (option("variant") === "node:net") {
    const raw = await import("./raw.mjs");
    const t0 = performance.now();
    const socket = new net.Socket({ fd: 3, readable: true, writable: true, allowHalfOpen: true });
    socket.setNoDelay(true);
    const setupMs = performance.now() - t0;
    return report(setupMs, () => (bulk ? raw.bulkOn(socket, bulkBytes, chunk) : raw.pingPongOn(socket, pings, pingSize)));
  }
  if (option("variant") === "node:net awaited") {
    const t0 = performance.now();
    const stream = new AwaitedNetStream(3, (await import("portio")).EndOfStream);
    const setupMs = performance.now() - t0;
    return report(setupMs, () => run(stream));
  }
  const t0 = performance.now();
  const stream = option("variant") === "adopted" ? await SocketStream.fromSocket(3) : await connectTcp("127.0.0.1", port);
  const setupMs = performance.now() - t0;
  return report(setupMs, () => run(stream));
}

/**
 * node:net on the adopted fd held to the contract of an awaited stream API, the floor portio's
 * adopted stream is measured against on the same jobs (portio.mjs's bulkOn / pingPongOn): one
 * promise per send (already resolved when write() took the bytes, else resolved on 'drain') and
 * per receive; reads through net's `onread` option (the cheapest way node:net delivers bytes,
 * which portio's transport uses too), each read copied out of one buffer so that the chunk stays
 * the reader's. Nothing else: no busy or closed checks, no cancellation, no error mapping.
 * The 'data' floor ("node:net") writes from inside the read callback, which no awaited API can
 * (on Deno that write comes before node:net's next read attempt, not after it).
 */
class AwaitedNetStream {
  /**
   * @param {number} fd
   * @param {new () => Error} EndOfStream what a receive at the end of the stream throws (portio's, for the jobs)
   */
  constructor(fd, EndOfStream) {
    this.EndOfStream = EndOfStream;
    const buffer = new Uint8Array(64 * 1024);
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.eof = false;
    /** @type {((chunk: Uint8Array) => void) | undefined} */
    this.resolve = undefined;
    /** @type {((error: Error) => void) | undefined} */
    this.reject = undefined;
    this.maxBytes = 0;
    const callback = (/** @type {number} */ length) => {
      const bytes = buffer.slice(0, length);
      const resolve = this.resolve;
      if (resolve === undefined) this.chunks.push(bytes);
      else {
        this.resolve = this.reject = undefined;
        resolve(this.cut(bytes, this.maxBytes));
      }
      return true;
    };
    this.socket = new net.Socket(
      /** @type {import("node:net").SocketConstructorOpts} */ ({
        fd,
        readable: true,
        writable: true,
        allowHalfOpen: true,
        onread: { buffer, callback },
      }),
    );
    this.socket.setNoDelay(true);
    this.socket.on("end", () => {
      this.eof = true;
      const reject = this.reject;
      this.resolve = this.reject = undefined;
      reject?.(new this.EndOfStream());
    });
    this.socket.read(0);
  }

  /** @param {Uint8Array} data */
  send(data) {
    if (this.socket.write(data)) return SENT;
    return new Promise((resolve) => this.socket.once("drain", resolve));
  }

  /** @param {number} maxBytes @returns {Promise<Uint8Array>} */
  receive(maxBytes) {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) return Promise.resolve(this.cut(chunk, maxBytes));
    if (this.eof) return Promise.reject(new this.EndOfStream());
    this.maxBytes = maxBytes;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** At most `maxBytes` of `chunk`; the rest is the next receive's. */
  cut(/** @type {Uint8Array} */ chunk, /** @type {number} */ maxBytes) {
    if (chunk.length <= maxBytes) return chunk;
    this.chunks.unshift(chunk.subarray(maxBytes));
    return chunk.subarray(0, maxBytes);
  }

  sendEof() {
    return new Promise((resolve) => this.socket.end(() => resolve(undefined)));
  }

  aclose() {
    this.socket.destroy();
    return SENT;
  }
}
const SENT = Promise.resolve();

/** How long the warm-up's adoption of fd 4 took: the process's first adoption. */
let firstAdoptionMs = 0;

/** Runs the measured job and prints its seconds, the setup's milliseconds and the job's CPU µs. */
async function report(setupMs, job) {
  const cpu0 = process.cpuUsage();
  const seconds = await job();
  const { user, system } = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ seconds, setupMs, firstAdoptionMs, cpuMicros: user + system })}\n`);
  process.exit(0);
}

function clientCommand(args) {
  const client = option("client", "node");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const script = fileURLToPath(import.meta.url);
  if (client === "node") return selfCommand("./adopted.mjs", args);
  if (client === "bun") return [join(root, "node_modules", ".bin", "bun"), [script, ...args]];
  if (client === "deno")
    return [join(root, "node_modules", "deno", "deno"), ["run", "--allow-all", "--no-lock", script, ...args]];
  return [client, [script, ...args]];
}

async function runDriver() {
  const rounds = Number(option("rounds", 7));
  const warmups = Number(option("warmups", 1));
  const jsonOut = option("json", undefined);
  // The client runs on CPU 0 (inherits this pinning), the server on CPU 1.
  const pin = pinSelf();
  const server = spawnPeer(selfCommand("./server.mjs", ["raw"]), pin, { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  for await (const data of server.stdout) {
    out += data;
    if (/PORT \d+/.test(out)) break;
  }
  const port = Number(/PORT (\d+)/.exec(out)?.[1]);
  if (!port) throw new Error("server did not start");

  const forward = ["--bulk-mib", String(bulkBytes / 2 ** 20), "--pings", String(pings)];
  const withFloor = option("floor", option("client", "node") === "deno" ? "on" : "off") === "on";
  const variants = withFloor ? ["native", "adopted", "node:net", "node:net awaited"] : ["native", "adopted"];
  let clientLabel = "";
  async function round(variant, job) {
    let socket;
    if (variant !== "native") {
      socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
      await once(socket, "connect");
    }
    // Every variant's warm-up adopts this one first (see the header).
    const warmUpSocket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    await once(warmUpSocket, "connect");
    const [cmd, argv] = clientCommand([
      "--role",
      "client",
      "--variant",
      variant,
      "--job",
      job,
      "--port",
      String(port),
      ...forward,
    ]);
    const child = spawn(cmd, argv, {
      stdio: ["ignore", "pipe", "inherit", socket ?? "ignore", warmUpSocket],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    });
    // The child has its own copy of the fd now; ours must not keep the connection alive.
    socket?.destroy();
    warmUpSocket.destroy();
    let stdout = "";
    for await (const data of child.stdout) stdout += data;
    // 'exit' may come before stdout's end, so wait for it only if it has not come yet.
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
    if (child.exitCode !== 0) throw new Error(`client (${variant}, ${job}) failed: exit ${child.exitCode ?? child.signalCode}`);
    clientLabel ||= cmd;
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
  }

  const results = [];
  try {
    for (const job of ["bulk", "ping-pong"]) {
      const rate = (seconds) => (job === "bulk" ? bulkBytes / 1e6 / seconds : pings / seconds);
      for (let w = 0; w < warmups; w++) for (const v of variants) await round(v, job);
      /** @type {Record<string, { seconds: number, setupMs: number, firstAdoptionMs: number, cpuMicros: number }[]>} */
      const samples = Object.fromEntries(variants.map((v) => [v, []]));
      for (let r = 0; r < rounds; r++) {
        // ABBA for two; more rotate, so that no variant always runs first
        const order =
          variants.length === 2
            ? r % 2 === 0
              ? variants
              : [...variants].reverse()
            : variants.map((_, i) => variants[(r + i) % variants.length]);
        for (const v of order) samples[v].push(await round(v, job));
      }
      const rates = (v) => samples[v].map((s) => rate(s.seconds));
      const setup = (v) => median(samples[v].map((s) => s.setupMs)).toFixed(2);
      const firstAdoption = median(variants.flatMap((v) => samples[v].map((s) => s.firstAdoptionMs))).toFixed(2);
      const perUnit = job === "bulk" ? bulkBytes / 2 ** 20 : pings;
      const cpu = (v) => `${v} ${median(samples[v].map((s) => s.cpuMicros / perUnit)).toFixed(job === "bulk" ? 0 : 2)} µs`;
      const perRound = (a, b) => median(rates(a).map((x, i) => x / rates(b)[i])).toFixed(2);
      const floorNote = withFloor
        ? `; floor (node:net on the adopted fd, no portio) ${Math.round(median(rates("node:net"))).toLocaleString("en-US")} ${job === "bulk" ? "MB/s" : "rt/s"}, ` +
          `${perRound("node:net", "native")} × connectTcp, fromSocket / floor ${perRound("adopted", "node:net")} (median per-round); ` +
          `awaited floor (node:net on the adopted fd, one await per send and receive) ${Math.round(median(rates("node:net awaited"))).toLocaleString("en-US")} ${job === "bulk" ? "MB/s" : "rt/s"}, ` +
          `fromSocket / awaited floor ${perRound("adopted", "node:net awaited")} (median per-round)`
        : "";
      results.push({
        job:
          job === "bulk"
            ? `adopted fd vs connectTcp: bulk TCP, ${bulkBytes / 2 ** 20} MiB in 64 KiB writes`
            : `adopted fd vs connectTcp: ping-pong, ${pingSize} B, ${pings} round trips`,
        unit: job === "bulk" ? "MB/s" : "rt/s",
        target: 0.95,
        raw: median(rates("native")),
        portio: median(rates("adopted")),
        ratio: median(rates("adopted")) / median(rates("native")),
        samples: { raw: rates("native"), portio: rates("adopted") },
        note:
          `raw = portio on connectTcp, portio = portio on SocketStream.fromSocket(fd); median setup: connectTcp ${setup("native")} ms, fromSocket ${setup("adopted")} ms (the process's first fromSocket, in every warm-up: ${firstAdoption} ms)` +
          `${floorNote}; client CPU per ${job === "bulk" ? "MiB" : "round trip"} (median) ${variants.map(cpu).join(", ")}`,
      });
    }
  } finally {
    server.stdin?.end();
    if (server.exitCode === null) await once(server, "exit");
  }
  console.log(
    `\nadopted vs native portio streams — client ${option("client", "node")} (${clientLabel}), driver ${runtimeLabel}, medians of ${rounds} rounds (ABBA), pinning: ${pin}`,
  );
  for (const r of results)
    console.log(
      `  ${r.job}: native ${r.raw.toFixed(0)} ${r.unit}, adopted ${r.portio.toFixed(0)} ${r.unit}, ratio ${r.ratio.toFixed(3)} (target ≥ 0.95); ${r.note}`,
    );
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: runtimeLabel, rounds, warmups, pin, results }, null, 2));
}

// Last: the client needs AwaitedNetStream, a class, initialised by now.
if (option("role", "driver") === "client") await runClient();
else await runDriver();
