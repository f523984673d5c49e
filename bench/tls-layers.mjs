// Bun's default TLS path (TLS over a portio stream), download, layer by layer: the client's
// Valgrind instruction count (or CPU time) per MiB of one warm download, for each layer added on
// top of bench/tls.mjs's awaited floor. Rates on a shared machine are noise; instruction counts
// are not, so this is what tells which layer costs what.
//
//   bun bench/tls-layers.mjs [--callgrind] [--mib 64] [--warm 16] [--rounds 2] [--variants floor,duplex,session,tls]
//     [--keep DIR]   (with --callgrind: keeps each window's dump in DIR, for callgrind_annotate)
//
// Variants, each adding one layer to the one before (all read with one awaited promise per receive
// of at most 64 KiB, and check close_notify against a ragged EOF):
//   floor     bench/tls.mjs's floor-awaited: node:tls over a plain Duplex on a raw node:net socket
//   duplex    node:tls over node-shared's PortioDuplex on a connectTcp() stream (the pump)
//   session   + NodeTLSTransport (node-shared's wrapTls), read by core's SocketStream
//   tls       connectTcp(host, port, { tls }): + TLSStream and its session transport (what users run)
// and two that split the duplex layer (not in the default list):
//   netpump   node:tls over PortioDuplex on a node:net socket wrapped as a bare receive()/send()
//             stream: the pump without the Bun backend and core, on the floor's socket
//   bunpump   the same on a raw Bun.connect socket with binaryType "uint8array", as the Bun
//             backend reads: duplex minus the backend's transport and core's SocketStream
//   bunfloor  the floor's Duplex (push from the socket's event) on that same raw Bun.connect
//             socket: bunpump without the pump
// Each variant runs in its own process (the server is bench/tls.mjs's, in a Node child): two
// downloads of `--warm` MiB, then the measured one of `--mib` MiB; closing the connection is not
// measured. With --callgrind the process runs under `valgrind --tool=callgrind`, and the counters
// are zeroed (`callgrind_control -z`) before the measured download and dumped after it, so the
// count is the window's alone (client only: Valgrind does not follow the server child). Rounds
// alternate the variants. Needs a build (`pnpm build`), Valgrind for --callgrind, and Bun: the
// variants take the Bun backend's path.
//
// Measured (Bun 1.4.4, `--callgrind --rounds 2`, M instructions per MiB, round 1 / round 2): floor
// 9.61 / 9.67, duplex 10.19 / 9.97, session 10.13 / 10.03, tls 10.13 / 10.07. The same variant
// moves by 0.1-0.2 M between processes, so session and tls add nothing measurable over duplex:
// what portio costs over the floor (about 0.45 M per MiB) is the pump layer, PortioDuplex on a
// connectTcp() stream against a plain Duplex on node:net. An earlier reading of 0.44 M in the
// TLSStream layer is likely the connection's close in the window (TLSStream's aclose(), with
// close_notify and flush, measured 7.6-13.2 M instructions, 0.12-0.21 M per MiB of 64) plus that
// spread; this script leaves the close out.
//
// The duplex layer split (`--callgrind --mib 32 --warm 8`, BUN_JSC_useConcurrentJIT=0
// BUN_JSC_useConcurrentGC=0, M per MiB, three processes each): floor 9.92 / 9.99 / 9.82,
// netpump 10.34 / 10.40 / 10.24, bunpump 10.07 / 10.10 / 10.04, duplex 10.14 / 10.36. So the
// Bun backend's transport and core's SocketStream add nothing measurable (bunpump ~ duplex), and
// the pump itself, on the floor's own node:net socket, costs 0.3-0.4 M per MiB (netpump - floor);
// on Bun.connect, whose JS layer is lighter than node:net's, the total comes back to ~0.1-0.2 M.
// Exclusive counts by object: memcpy is the same in every variant (168 M of ~320 M per 32 MiB: no
// copy of portio's), JIT code is +2.0 M per 32 MiB in every PortioDuplex variant (~0.06 M per MiB:
// the pump's JS per chunk, ~30 K instructions per 512 KiB chunk), and the rest is Bun's native
// code, mostly in a range that tracks GC (BUN_JSC_logGC=1: the same 12 eden collections, with
// ~770 KB promoted per collection against the floor's ~580 KB). The pump also pushes more pieces
// (32 MiB: 93 pushes, 12 under 4 KiB, against the floor's 71 and 2): RecordTracker feeds every
// record that may be an alert on its own, which close_notify exactness needs. Those pieces cost
// next to nothing: bunpump with the split turned off (MAY_BE_ALERT 0 in a scratch build) measured
// 10.060 / 10.063 against 10.076 / 10.073 with it, alternated.
//
// On one socket type, the pump's own cost: bunfloor 9.665 / 9.933 / 9.599 / 9.692 against bunpump
// 10.063 / 10.055 / 10.065 / 10.093 (two runs of two alternated rounds each): 0.13-0.47 M per MiB,
// about 0.4 typically. Of that, ~0.06 M is the pump's JavaScript and ~0.01 the split feeds; the
// rest is Bun's native code (GC and promise jobs around the awaited receive per chunk; Bun's
// binary has no symbols to say more). bunfloor also shows that node:net is not Bun's cheapest raw
// path: the floor on a raw Bun.connect socket is 0.1-0.3 M per MiB under bench/tls.mjs's floor.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { Duplex } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { awaitedReader, makeCertificate, SocketDuplex } from "./tls.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const CHUNK = 64 * 1024;
const benchTls = fileURLToPath(new URL("./tls.mjs", import.meta.url));
/** --keep DIR: copies each window's callgrind dump there (for callgrind_annotate), named by variant. */
const keep = opt("keep", undefined);

if (args[0] === "--child") await child(args[1], Number(args[2]), Number(args[3]), JSON.parse(args[4]));
else await parent();

async function parent() {
  const callgrind = args.includes("--callgrind");
  const mib = Number(opt("mib", "64"));
  const warm = Number(opt("warm", "16"));
  const rounds = Number(opt("rounds", "2"));
  const variants = opt("variants", "floor,duplex,session,tls").split(",");
  const certificate = makeCertificate();
  const results = Object.fromEntries(variants.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? variants : [...variants].reverse()) {
      const perMib = await measure(name, mib, warm, certificate, callgrind);
      results[name].push(perMib);
      console.log(
        `round ${round + 1} ${name.padEnd(8)} ${perMib.toFixed(callgrind ? 3 : 1)} ${callgrind ? "M instructions" : "µs CPU"} per MiB`,
      );
    }
  }
  console.log(
    `per MiB, ${mib} MiB window after ${warm} MiB x 2 warm-up, ${callgrind ? "client instructions (M)" : "client CPU (µs)"}:`,
  );
  for (const name of variants)
    console.log(`  ${name.padEnd(8)} ${results[name].map((v) => v.toFixed(callgrind ? 3 : 1)).join("  ")}`);
}

/** One variant in a child process: its window's instructions (M) or CPU (µs) per MiB. */
async function measure(name, mib, warm, certificate, callgrind) {
  const out = mkdtempSync(join(tmpdir(), "portio-tls-layers-"));
  const command = [fileURLToPath(import.meta.url), "--child", name, String(warm), String(mib), JSON.stringify(certificate)];
  const child = callgrind
    ? spawn("valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(out, "callgrind.%p")}`, process.execPath, ...command], {
        stdio: ["pipe", "pipe", "ignore"],
      })
    : spawn(process.execPath, command, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const expect = async (word) => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${name}: the child ended before ${word}`);
      if (value.startsWith(word)) return value;
    }
  };
  try {
    await expect("READY");
    if (callgrind) execFileSync("callgrind_control", ["-z", String(child.pid)], { stdio: "ignore" });
    child.stdin.write("go\n");
    const done = await expect("DONE");
    if (callgrind) execFileSync("callgrind_control", ["-d", "window", String(child.pid)], { stdio: "ignore" });
    child.stdin.end("go\n");
    await new Promise((resolve) => child.once("exit", resolve));
    if (!callgrind) return Number(done.split(" ")[1]) / mib;
    // The dump made at DONE is the one whose trigger is "window".
    for (const file of readdirSync(out)) {
      const text = readFileSync(join(out, file), "utf8");
      if (!/^desc: Trigger: .*window/m.test(text)) continue;
      if (keep !== undefined) copyFileSync(join(out, file), join(keep, `callgrind.${name}.${process.pid}.${Date.now()}`));
      return Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]) / 1e6 / mib;
    }
    throw new Error(`${name}: no callgrind dump for the window`);
  } finally {
    child.kill();
    rmSync(out, { recursive: true, force: true });
  }
}

/** One variant (see the header): two warm-up downloads, then the measured one between READY and DONE. */
async function child(name, warm, mib, { cert, key }) {
  const { connectTcp, EndOfStream, SocketStream } = await import("portio");
  const { PortioDuplex, wrapTls } = await import("../packages/node-shared/dist/index.js");
  const servers = [];
  const serve = async (size) => {
    const server = spawn("node", [benchTls, "--server-child", String(size)], { stdio: ["pipe", "pipe", "inherit"] });
    servers.push(server);
    server.stdin.end(JSON.stringify({ cert, key }));
    return await new Promise((resolve) => server.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
  };
  /** Receives until the end with `receive` (null or EndOfStream at the end): the bytes received. */
  const drain = async (receive) => {
    let got = 0;
    for (;;) {
      let chunk;
      try {
        chunk = await receive();
      } catch (error) {
        if (error instanceof EndOfStream) return got;
        throw error;
      }
      if (chunk === null) return got;
      got += chunk.byteLength;
    }
  };
  /** node:tls over `duplex`, read as bench/tls.mjs's floor-awaited reads: connects, returns download/close. */
  const overDuplex = async (duplex, close) => {
    const secure = tls.connect({ socket: duplex, ca: cert, servername: "localhost" });
    await new Promise((resolve, reject) => secure.once("secureConnect", resolve).once("error", reject));
    // PortioDuplex flags the transport's end as rawEofDelivered, the floor's Duplex as transportEnded.
    if (duplex instanceof PortioDuplex) Object.defineProperty(duplex, "transportEnded", { get: () => duplex.rawEofDelivered });
    const reader = awaitedReader(secure, duplex, CHUNK);
    return {
      async download() {
        secure.write("D");
        const got = await drain(reader.receive);
        if (reader.ragged) throw new Error(`${name}: the transport ended before close_notify`);
        return got;
      },
      close: async () => {
        secure.destroy();
        await close();
      },
    };
  };
  const connect = {
    async floor(port) {
      const socket = net.connect({ host: "127.0.0.1", port });
      await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      return overDuplex(new SocketDuplex(socket), () => {});
    },
    async netpump(port) {
      const socket = net.connect({ host: "127.0.0.1", port });
      await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      return overDuplex(new PortioDuplex(socketAsStream(socket, EndOfStream)), () => socket.destroy());
    },
    async bunfloor(port) {
      const duplex = await bunSocketDuplex(port);
      return overDuplex(duplex, () => {});
    },
    async bunpump(port) {
      const stream = await bunSocketAsStream(port, EndOfStream);
      return overDuplex(new PortioDuplex(stream), () => stream.aclose());
    },
    async duplex(port) {
      const stream = await connectTcp("127.0.0.1", port);
      return overDuplex(new PortioDuplex(stream), () => stream.aclose());
    },
    async session(port) {
      const stream = await connectTcp("127.0.0.1", port);
      const options = { serverSide: false, hostname: "localhost", ca: cert, verifyCertificate: true, verifyHostname: true };
      const session = await wrapTls(
        stream,
        { ...options, requestClientCertificate: false, standardCompatible: true, unwrappable: false },
        undefined,
        "bun",
      );
      const io = new SocketStream(session);
      return {
        async download() {
          await io.send(new Uint8Array([0x44]));
          const got = await drain(() => io.receive());
          if (!session.closeNotifyReceived) throw new Error(`${name}: the transport ended before close_notify`);
          return got;
        },
        async close() {
          await io.aclose();
          await stream.aclose();
        },
      };
    },
    async tls(port) {
      const stream = await connectTcp("127.0.0.1", port, { tls: { ca: cert }, tlsHostname: "localhost" });
      return {
        async download() {
          await stream.send(new Uint8Array([0x44]));
          return drain(() => stream.receive());
        },
        close: () => stream.aclose(),
      };
    },
  }[name];
  if (connect === undefined) throw new Error(`unknown variant ${name}`);
  const download = async (port, size) => {
    const connection = await connect(port);
    const got = await connection.download();
    if (got !== size * 1024 * 1024) throw new Error(`${name}: ${got} of ${size} MiB`);
    return connection;
  };
  const warmPort = await serve(warm);
  for (let i = 0; i < 2; i++) await (await download(warmPort, warm)).close();
  const port = await serve(mib);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log("READY");
  await lines.next();
  const cpu0 = process.cpuUsage();
  const connection = await download(port, mib);
  const cpu = process.cpuUsage(cpu0);
  console.log(`DONE ${cpu.user + cpu.system}`);
  await lines.next();
  await connection.close();
  for (const server of servers) server.kill();
  process.exit(0);
}

/**
 * Chunks handed in by a socket's events (`give`, `end`), taken by `receive()` as a portio stream's
 * receive does (EndOfStream after the end). Unbounded: the reader keeps up.
 */
function pushedChunks(EndOfStream) {
  const queue = [];
  let waiter;
  let ended = false;
  return {
    give(chunk) {
      if (waiter === undefined) return void queue.push(chunk);
      const w = waiter;
      waiter = undefined;
      w.resolve(chunk);
    },
    end() {
      ended = true;
      if (waiter !== undefined) waiter.reject(new EndOfStream());
    },
    receive() {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      if (ended) return Promise.reject(new EndOfStream());
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
  };
}

/**
 * A node:net socket as the least a portio byte stream needs under PortioDuplex (receive, send):
 * the pump without the Bun backend and core (variant netpump).
 */
function socketAsStream(socket, EndOfStream) {
  const chunks = pushedChunks(EndOfStream);
  socket.on("data", chunks.give);
  socket.once("end", chunks.end);
  return {
    receive: chunks.receive,
    send(data) {
      return new Promise((resolve) => {
        if (socket.write(data)) resolve();
        else socket.once("drain", resolve);
      });
    },
  };
}

/** The same over a raw Bun.connect socket with binaryType "uint8array", as the Bun backend reads (variant bunpump). */
async function bunSocketAsStream(port, EndOfStream) {
  const chunks = pushedChunks(EndOfStream);
  const socket = await bunConnect(port, (_socket, chunk) => chunks.give(chunk), chunks.end);
  return {
    receive: chunks.receive,
    send(data) {
      // Small writes only (the handshake, the request): the kernel takes them whole.
      socket.write(data);
      return Promise.resolve();
    },
    aclose() {
      socket.end();
      return Promise.resolve();
    },
  };
}

/**
 * The floor's Duplex (bench/tls.mjs's SocketDuplex: pushes each chunk from the socket's event,
 * pauses the socket while the engine is full) on a raw Bun.connect socket with binaryType
 * "uint8array" (variant bunfloor): bunpump's socket without the pump.
 */
async function bunSocketDuplex(port) {
  let duplex;
  const socket = await bunConnect(
    port,
    (raw, chunk) => {
      if (!duplex.push(chunk)) raw.pause();
    },
    () => duplex.push(null),
  );
  duplex = new Duplex({
    allowHalfOpen: true,
    read: () => socket.resume(),
    write(chunk, _encoding, callback) {
      // Small writes only (the handshake, the request): the kernel takes them whole.
      socket.write(chunk);
      callback();
    },
    final: (callback) => callback(),
    destroy(error, callback) {
      socket.end();
      callback(error);
    },
  });
  duplex.once("end", () => {
    duplex.transportEnded = true;
  });
  return duplex;
}

/** A raw Bun.connect socket to 127.0.0.1:`port` that hands its chunks, as plain Uint8Arrays, to `data`. */
function bunConnect(port, data, end) {
  return Bun.connect({
    hostname: "127.0.0.1",
    port,
    allowHalfOpen: true,
    socket: { binaryType: "uint8array", data, end },
  });
}
