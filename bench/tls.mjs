// TLS bulk throughput: portio's TLSStream against raw node:tls, in one process run, as ratios.
//
//   node bench/tls.mjs [--json out.json] [--mib 256] [--rounds 5] [--warmups 1] [--floor yes|no]
//
// A server child process (raw node:tls, the same for every variant; certificates made with the
// openssl CLI at start, nothing stored) serves each connection by its first byte: "D" sends
// `mib` MiB in 64 KiB writes and closes with close_notify; "U" + 8-byte length reads that many
// bytes and answers "k". The client side, in this process, is the variant under test:
//   raw               tls.connect() on a TCP socket, 'data' events / write() with 'drain'
//   portio            connectTcp(host, port, { tls }) — standardCompatible (default): TLS runs
//                     over the portio stream (needed to tell close_notify from a ragged EOF)
//   portio-native     the same with standardCompatible: false: Node's TLS natively on the socket
//   floor             reference, reported in the notes (no target; on Bun by default, `--floor`):
//                     node:tls over a plain JS Duplex on a raw node:net socket, no portio. On Bun it
//                     is the least any library must run to tell the peer's close_notify from a bare
//                     FIN (Bun's node:tls natively on a socket reports both as the same 'end', so
//                     portio's default path runs TLS over a JS stream there; Node's native path
//                     can tell them apart, so the floor is not Node's floor): each byte read goes
//                     to the engine as it arrives (the reader owns every chunk: node:net gives a
//                     fresh buffer per read), the transport's end is flagged before the engine
//                     sees it, and a write is done once the Duplex is below its high-water mark
//                     (Bun's engine writes whatever write() returns, so without that wait a fast
//                     sender would queue its whole upload in memory; portio has the same wait).
//                     portio / floor is what portio's own code costs on top of that path.
//   floor-awaited     reference for portio, reported in its notes (with the floor, Bun only): the
//                     floor held to portio's receive/send contract, nothing of portio's. The floor
//                     counts 'data' events; a promise API cannot: each receive is one awaited
//                     promise returning at most 64 KiB (receive()'s default) of a chunk the reader
//                     owns (node:tls makes a new buffer per 'data'), and each 64 KiB send is one
//                     await, done once the TLS socket and the Duplex under it took it (the floor's
//                     waits). Its queue is unbounded (the reader keeps up; portio's is bounded, which
//                     costs more, so this floor is not above portio's least). portio / floor-awaited
//                     is what portio's own layers cost beyond one promise per operation (on Bun
//                     the promise itself is cheap: Valgrind counts about 1 % more client
//                     instructions per MiB than the floor's, against about 7 % for portio).
//   native-floor      reference for portio-native, reported in its notes (Bun only, with the floor):
//                     the engine portio-native runs on, from Bun's raw API and nothing of portio's:
//                     a plain `Bun.connect` socket upgraded with `socket.upgradeTLS` (connectTcp
//                     connects first and wraps the stream after, so its native path is upgradeTLS;
//                     `Bun.connect({ tls })` is another engine, uSockets' own TLS sockets, which is
//                     what node:tls's `tls.connect()` and so the raw column run on). It does the
//                     least a promise API with portio's contract must: the raw socket's handlers
//                     are swapped for ones without `data` first (else Bun passes every ciphertext
//                     chunk to JavaScript as well), each receive is one awaited promise returning
//                     at most 64 KiB (receive()'s default, as AnyIO's) of chunks the reader owns
//                     (Bun makes a new buffer per event; the rest of a bigger one is a view), and
//                     each 64 KiB send is one await, resolved once write() took it all or `drain`
//                     flushed the rest. portio-native / native-floor is what portio's own code
//                     costs on that engine; native-floor / raw is upgradeTLS against node:tls.
// Rounds order the variants by a Williams square (each runs after every other one alike: see
// roundOrder); medians; ratio = portio / raw (MB/s = 10^6 B/s). The notes also give
// the client process's CPU time (user + system) per MiB of each variant (the server is the same
// for all). Needs a build (`pnpm build`): it imports "portio".
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const CHUNK = 64 * 1024;

export function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), "portio-bench-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { cwd: dir, stdio: "ignore" },
    );
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The floor's transport: a raw node:net socket as the plain Duplex node:tls runs over (see the
 * header). Reads stop while node:tls does not ask for more, as a kernel buffer would make them.
 */
export class SocketDuplex extends Duplex {
  /** Set before the socket's end reaches the engine: a TLS 'end' after it is a ragged EOF. */
  transportEnded = false;

  constructor(socket) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    socket.on("data", (chunk) => {
      if (!this.push(chunk)) socket.pause();
    });
    // The end is the engine's once it has taken every byte before it: this Duplex's own 'end',
    // whose first listener runs before node:tls's.
    this.once("end", () => {
      this.transportEnded = true;
    });
    socket.once("end", () => this.push(null));
    socket.once("error", (error) => this.destroy(error));
  }

  _read() {
    this.socket.resume();
  }

  _write(chunk, _encoding, callback) {
    if (this.socket.write(chunk)) callback();
    else this.socket.once("drain", () => callback());
  }

  _final(callback) {
    callback();
  }

  _destroy(error, callback) {
    this.socket.destroy();
    callback(error);
  }
}

/**
 * What the two awaited floors receive through: chunks handed in by the runtime's events
 * (`give`), taken with one awaited promise per `receive()`, each at most `chunkSize` bytes (the
 * rest of a bigger chunk is a view); null once `end()` was called and every chunk was taken. Not
 * bounded: the reader keeps up.
 */
function awaitedChunks(chunkSize) {
  const queue = [];
  let waiter;
  let ended = false;
  let pending;
  const give = (chunk) => {
    if (waiter === undefined) return void queue.push(chunk);
    const resolve = waiter;
    waiter = undefined;
    resolve(chunk);
  };
  return {
    give,
    end() {
      ended = true;
      if (waiter !== undefined) give(null);
    },
    async receive() {
      let chunk = pending;
      pending = undefined;
      if (chunk === undefined) {
        if (queue.length > 0) chunk = queue.shift();
        else if (ended) chunk = null;
        else chunk = await new Promise((resolve) => (waiter = resolve));
      }
      if (chunk === null || chunk.byteLength <= chunkSize) return chunk;
      pending = chunk.subarray(chunkSize);
      return chunk.subarray(0, chunkSize);
    },
  };
}

/**
 * The floor-awaited variant's reader (see the header): the TLS socket's 'data' chunks through
 * {@link awaitedChunks}. `ragged` is the floor's check, read at the TLS 'end': `duplex` ended first.
 */
export function awaitedReader(secure, duplex, chunkSize) {
  const reader = { ...awaitedChunks(chunkSize), ragged: false };
  secure.on("data", reader.give);
  secure.once("end", () => {
    reader.ragged = duplex.transportEnded;
    reader.end();
  });
  return reader;
}

/** The floor-awaited variant's send: one await, done once the TLS socket and its Duplex took `data`. */
async function awaitedSend(secure, duplex, data) {
  if (!secure.write(data)) await new Promise((resolve) => secure.once("drain", resolve));
  if (duplex.writableNeedDrain) await new Promise((resolve) => duplex.once("drain", resolve));
}

/**
 * The native-floor variant (see the header): Bun's upgradeTLS on a raw Bun.connect socket, one
 * await per receive (at most `maxBytes`) and per send. Bun only.
 */
function bunNativeFloor({ port, cert, total, uploadHeader, chunkSize }) {
  const connect = async () => {
    const plain = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    // Without this the raw socket's `data` handler gets every ciphertext chunk as well.
    plain.reload({ socket: { drain() {} } });
    const chunks = awaitedChunks(chunkSize);
    let handshake;
    let drained;
    const handshook = new Promise((resolve, reject) => (handshake = { resolve, reject }));
    const [raw, socket] = plain.upgradeTLS({
      tls: { ca: cert, serverName: "localhost" },
      socket: {
        binaryType: "uint8array",
        data: (_socket, chunk) => chunks.give(chunk),
        drain: () => drained?.(),
        end: chunks.end,
        close: chunks.end,
        handshake: (_socket, success, error) => (success ? handshake.resolve() : handshake.reject(error)),
      },
    });
    await handshook;
    return {
      raw,
      /** One awaited promise per call: the next at most `chunkSize` bytes, or null at the end. */
      receive: chunks.receive,
      /** Resolves once Bun took all of `data`: at once, or after as many `drain`s as it needs. */
      async send(data) {
        let rest = data;
        for (;;) {
          const written = socket.write(rest);
          if (written < 0) throw new Error("native floor: the socket is closed");
          if (written === rest.byteLength) return;
          rest = rest.subarray(written);
          await new Promise((resolve) => (drained = resolve));
          drained = undefined;
        }
      },
    };
  };
  return {
    async download() {
      const session = await connect();
      const start = performance.now();
      await session.send(new Uint8Array([0x44]));
      let got = 0;
      for (let chunk; (chunk = await session.receive()) !== null; ) got += chunk.byteLength;
      const seconds = (performance.now() - start) / 1000;
      session.raw.close();
      if (got !== total) throw new Error(`native floor download: ${got} of ${total} bytes`);
      return seconds;
    },
    async upload() {
      const session = await connect();
      const start = performance.now();
      await session.send(uploadHeader());
      const payload = new Uint8Array(chunkSize).fill(0x62);
      for (let sent = 0; sent < total; sent += chunkSize) await session.send(payload);
      if ((await session.receive()) === null) throw new Error("native floor upload: no answer");
      const seconds = (performance.now() - start) / 1000;
      session.raw.close();
      return seconds;
    },
  };
}

// ---- server child --------------------------------------------------------------------------
if (args[0] === "--server-child") {
  const { cert, key } = JSON.parse(readFileSync(0, "utf8"));
  const total = Number(args[1]) * 1024 * 1024;
  const payload = Buffer.alloc(CHUNK, 0x61);
  const server = tls.createServer({ cert, key }, (socket) => {
    socket.once("readable", function first() {
      const head = socket.read(1);
      if (head === null) return socket.once("readable", first);
      if (head[0] === 0x44 /* D */) {
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += CHUNK;
            if (!socket.write(payload)) return void socket.once("drain", pump);
          }
          socket.end();
        };
        pump();
      } else {
        let want = -1;
        let got = 0;
        const onData = () => {
          let chunk;
          while ((chunk = socket.read()) !== null) {
            if (want < 0) {
              want = Number(chunk.readBigUInt64BE(0));
              got += chunk.length - 8;
            } else got += chunk.length;
          }
          if (want >= 0 && got >= want) {
            socket.off("readable", onData);
            socket.end("k");
          }
        };
        socket.on("readable", onData);
        onData();
      }
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
} else if (isEntryPoint()) {
  await main();
}

/** Whether this file was run rather than imported (bench/tls-layers.mjs takes the floor's pieces from here). */
function isEntryPoint() {
  try {
    return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

async function main() {
  const mib = Number(opt("mib", "256"));
  const rounds = Number(opt("rounds", "5"));
  const warmups = Number(opt("warmups", "1"));
  const total = mib * 1024 * 1024;
  const { cert, key } = makeCertificate();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--server-child", String(mib)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin.end(JSON.stringify({ cert, key }));
  const port = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
  const { EndOfStream, connectTcp } = await import("portio");
  const uploadHeader = () => {
    const head = Buffer.alloc(9);
    head[0] = 0x55;
    head.writeBigUInt64BE(BigInt(total), 1);
    return head;
  };

  const raw = {
    async download() {
      const socket = tls.connect({ host: "127.0.0.1", port, ca: cert, servername: "localhost" });
      await new Promise((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      const start = performance.now();
      socket.write("D");
      let got = 0;
      socket.on("data", (chunk) => (got += chunk.length));
      await new Promise((resolve) => socket.once("end", resolve));
      const seconds = (performance.now() - start) / 1000;
      socket.destroy();
      if (got !== total) throw new Error(`raw download: ${got} of ${total} bytes`);
      return seconds;
    },
    async upload() {
      const socket = tls.connect({ host: "127.0.0.1", port, ca: cert, servername: "localhost" });
      await new Promise((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      const start = performance.now();
      socket.write(uploadHeader());
      const payload = Buffer.alloc(CHUNK, 0x62);
      for (let sent = 0; sent < total; sent += CHUNK) {
        if (!socket.write(payload)) await new Promise((resolve) => socket.once("drain", resolve));
      }
      await new Promise((resolve) => socket.once("data", resolve));
      const seconds = (performance.now() - start) / 1000;
      socket.destroy();
      return seconds;
    },
  };
  const portio = (standardCompatible) => ({
    async download() {
      const stream = await connectTcp("127.0.0.1", port, { tls: { ca: cert, standardCompatible }, tlsHostname: "localhost" });
      const start = performance.now();
      await stream.send(new Uint8Array([0x44]));
      let got = 0;
      for (;;) {
        try {
          got += (await stream.receive()).length;
        } catch (error) {
          if (error instanceof EndOfStream) break;
          throw error;
        }
      }
      const seconds = (performance.now() - start) / 1000;
      await stream.aclose();
      if (got !== total) throw new Error(`portio download: ${got} of ${total} bytes`);
      return seconds;
    },
    async upload() {
      const stream = await connectTcp("127.0.0.1", port, { tls: { ca: cert, standardCompatible }, tlsHostname: "localhost" });
      const start = performance.now();
      await stream.send(uploadHeader());
      // One payload for every send, as raw does: send() takes the bytes over, and they are never
      // modified, so reusing them is within its contract.
      const payload = new Uint8Array(CHUNK).fill(0x62);
      for (let sent = 0; sent < total; sent += CHUNK) await stream.send(payload);
      await stream.receive();
      const seconds = (performance.now() - start) / 1000;
      await stream.aclose();
      return seconds;
    },
  });
  const floor = {
    async connect() {
      const socket = net.connect({ host: "127.0.0.1", port });
      await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      const duplex = new SocketDuplex(socket);
      const secure = tls.connect({ socket: duplex, ca: cert, servername: "localhost" });
      await new Promise((resolve, reject) => secure.once("secureConnect", resolve).once("error", reject));
      return { secure, duplex };
    },
    async download() {
      const { secure, duplex } = await floor.connect();
      const start = performance.now();
      secure.write("D");
      let got = 0;
      secure.on("data", (chunk) => (got += chunk.length));
      // Read when the TLS stream ends: the socket's own end may come right after.
      const ragged = await new Promise((resolve) => secure.once("end", () => resolve(duplex.transportEnded)));
      const seconds = (performance.now() - start) / 1000;
      secure.destroy();
      if (got !== total) throw new Error(`floor download: ${got} of ${total} bytes`);
      if (ragged) throw new Error("floor download: the transport ended before close_notify");
      return seconds;
    },
    async upload() {
      const { secure, duplex } = await floor.connect();
      const start = performance.now();
      secure.write(uploadHeader());
      const payload = Buffer.alloc(CHUNK, 0x62);
      for (let sent = 0; sent < total; sent += CHUNK) {
        if (!secure.write(payload)) await new Promise((resolve) => secure.once("drain", resolve));
        if (duplex.writableNeedDrain) await new Promise((resolve) => duplex.once("drain", resolve));
      }
      await new Promise((resolve) => secure.once("data", resolve));
      const seconds = (performance.now() - start) / 1000;
      secure.destroy();
      return seconds;
    },
  };
  const floorAwaited = {
    async download() {
      const { secure, duplex } = await floor.connect();
      const reader = awaitedReader(secure, duplex, CHUNK);
      const start = performance.now();
      await awaitedSend(secure, duplex, Buffer.from("D"));
      let got = 0;
      for (let chunk; (chunk = await reader.receive()) !== null; ) got += chunk.byteLength;
      const seconds = (performance.now() - start) / 1000;
      secure.destroy();
      if (got !== total) throw new Error(`floor-awaited download: ${got} of ${total} bytes`);
      if (reader.ragged) throw new Error("floor-awaited download: the transport ended before close_notify");
      return seconds;
    },
    async upload() {
      const { secure, duplex } = await floor.connect();
      const reader = awaitedReader(secure, duplex, CHUNK);
      const start = performance.now();
      await awaitedSend(secure, duplex, uploadHeader());
      const payload = Buffer.alloc(CHUNK, 0x62);
      for (let sent = 0; sent < total; sent += CHUNK) await awaitedSend(secure, duplex, payload);
      if ((await reader.receive()) === null) throw new Error("floor-awaited upload: no answer");
      const seconds = (performance.now() - start) / 1000;
      secure.destroy();
      return seconds;
    },
  };
  const withFloor = opt("floor", process.versions.bun === undefined ? "no" : "yes") === "yes";
  const withNativeFloor = withFloor && process.versions.bun !== undefined;
  const variants = {
    raw,
    portio: portio(true),
    "portio-native": portio(false),
    ...(withFloor && { floor }),
    ...(withNativeFloor && { "floor-awaited": floorAwaited }),
    ...(withNativeFloor && { "native-floor": bunNativeFloor({ port, cert, total, uploadHeader, chunkSize: CHUNK }) }),
  };
  const names = Object.keys(variants);
  const times = {};
  /** Client CPU microseconds (user + system) per measured round, by `${job} ${variant}`. */
  const cpuTimes = {};
  for (const job of ["download", "upload"]) {
    for (const name of names) {
      times[`${job} ${name}`] = [];
      cpuTimes[`${job} ${name}`] = [];
    }
    for (let round = 0; round < warmups + rounds; round++) {
      // Each variant in every position and after every other one alike (see roundOrder).
      const order = roundOrder(names, round - warmups);
      for (let i = 0; i < names.length; i++) {
        const name = order[i];
        const cpu0 = process.cpuUsage();
        const seconds = await variants[name][job]();
        const cpu = process.cpuUsage(cpu0);
        if (round >= warmups) {
          times[`${job} ${name}`].push(seconds);
          cpuTimes[`${job} ${name}`].push(cpu.user + cpu.system);
        }
      }
    }
  }
  child.kill();
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rate = (key) => total / median(times[key]) / 1e6;
  const results = [];
  console.log(`TLS bulk, ${mib} MiB per transfer, node ${process.versions.node}, medians of ${rounds}`);
  for (const job of ["download", "upload"]) {
    const rawRate = rate(`${job} raw`);
    const floorRate = withFloor ? rate(`${job} floor`) : undefined;
    // CPU milliseconds per MiB, median over rounds.
    const cpuPerMib = (name) => median(cpuTimes[`${job} ${name}`]) / 1000 / mib;
    console.log(
      `  ${job.padEnd(8)} raw node:tls     ${rawRate.toFixed(0).padStart(6)} MB/s  CPU ${cpuPerMib("raw").toFixed(2)} ms/MiB`,
    );
    if (floorRate !== undefined) {
      console.log(
        `  ${job.padEnd(8)} floor            ${floorRate.toFixed(0).padStart(6)} MB/s  ratio ${(floorRate / rawRate).toFixed(3)}  CPU ${cpuPerMib("floor").toFixed(2)} ms/MiB`,
      );
    }
    const awaitedFloor = withNativeFloor ? floorReport("floor-awaited", job, rate, rawRate, cpuPerMib) : undefined;
    if (awaitedFloor !== undefined) console.log(awaitedFloor.line);
    const nativeFloor = withNativeFloor ? floorReport("native-floor", job, rate, rawRate, cpuPerMib) : undefined;
    if (nativeFloor !== undefined) console.log(nativeFloor.line);
    for (const name of ["portio", "portio-native"]) {
      const r = rate(`${job} ${name}`);
      console.log(
        `  ${job.padEnd(8)} ${name.padEnd(16)} ${r.toFixed(0).padStart(6)} MB/s  ratio ${(r / rawRate).toFixed(3)}` +
          `${floorRate === undefined ? "" : `  / floor ${(r / floorRate).toFixed(3)}`}  CPU ${cpuPerMib(name).toFixed(2)} ms/MiB`,
      );
      const rates = (key) => times[key].map((seconds) => total / seconds / 1e6);
      results.push({
        job: `tls ${job} (${name})`,
        raw: rawRate,
        portio: r,
        ratio: r / rawRate,
        target: 0.95,
        samples: { raw: rates(`${job} raw`), portio: rates(`${job} ${name}`) },
        note:
          (floorRate === undefined
            ? ""
            : `floor (node:tls over a plain Duplex on a raw node:net socket) ${floorRate.toFixed(0)} MB/s = ${(floorRate / rawRate).toFixed(2)} of raw, ` +
              `${name} / floor ${(r / floorRate).toFixed(2)}; `) +
          `client CPU per MiB raw ${cpuPerMib("raw").toFixed(2)} ms, ` +
          `${floorRate === undefined ? "" : `floor ${cpuPerMib("floor").toFixed(2)} ms, `}${name} ${cpuPerMib(name).toFixed(2)} ms` +
          (name === "portio" && awaitedFloor !== undefined ? awaitedFloor.note(r) : "") +
          (name === "portio-native" && nativeFloor !== undefined ? nativeFloor.note(r) : ""),
      });
    }
  }
  const json = opt("json", undefined);
  if (json) writeFileSync(json, JSON.stringify({ runtime: `node ${process.versions.node}`, results }, null, 2));
}

/**
 * A contract floor's console line, and its part of the measured variant's note: rate and ratio to
 * raw, measured / floor, client CPU per MiB.
 */
function floorReport(variant, job, rate, rawRate, cpuPerMib) {
  // The two contract floors on Bun: what each is, and which portio variant is read against it.
  const floors = {
    "floor-awaited": {
      name: "awaited floor",
      what: "the floor with one await per receive of at most 64 KiB and per send",
      measured: "portio",
    },
    "native-floor": {
      name: "native floor",
      what: "Bun.connect + socket.upgradeTLS, raw socket's data handler dropped, one await per receive of at most 64 KiB and per send",
      measured: "portio-native",
    },
  };
  const { name, what, measured } = floors[variant];
  const floorRate = rate(`${job} ${variant}`);
  const cpu = cpuPerMib(variant).toFixed(2);
  return {
    line: `  ${job.padEnd(8)} ${variant.padEnd(16)} ${floorRate.toFixed(0).padStart(6)} MB/s  ratio ${(floorRate / rawRate).toFixed(3)}  CPU ${cpu} ms/MiB`,
    note: (measuredRate) =>
      `; ${name} (${what}) ` +
      `${floorRate.toFixed(0)} MB/s = ${(floorRate / rawRate).toFixed(2)} of raw, ${measured} / ${name} ${(measuredRate / floorRate).toFixed(2)}; ` +
      `client CPU per MiB ${name} ${cpu} ms`,
  };
}

/**
 * The variants' order in a round: a row of a Williams square, so that over `names.length` rounds
 * (twice that for an odd count) every variant runs in every position and right after every other
 * variant equally often. A variant may pay for what its predecessor left (garbage: Bun's collector
 * runs on and counts in this process's CPU), and the rotation used before, even with a stride
 * changing per round, kept each variant's predecessors to two: with Bun's six variants
 * portio-native always ran after portio or floor, native-floor after floor-awaited or raw
 * node:tls, so a gap between the two could be their predecessors'. `round` counts measured rounds
 * from 0 (the warm-up is -1).
 */
function roundOrder(names, round) {
  const count = names.length;
  // 0, 1, n-1, 2, n-2, ...: each difference between neighbours occurs once, so each shift of it
  // gives every ordered pair once; for an odd count the mirrored rows give each pair again.
  const base = [0];
  for (let k = 1; base.length < count; k++) {
    base.push(k);
    if (base.length < count) base.push(count - k);
  }
  const rows = count % 2 === 0 ? count : 2 * count;
  const row = ((round % rows) + rows) % rows;
  const order = base.map((index) => names[(index + row) % count]);
  return row >= count ? order.reverse() : order;
}
