/**
 * TLS bulk throughput on Deno: portio's TLSStream against raw Deno.connectTls (Deno's own TLS,
 * rustls, its fastest), in one run, as ratios — the Deno counterpart of bench/tls.mjs.
 *
 * A server child process (this script with --server-child: raw Deno.listenTls, the same for every
 * variant; the certificate made with the openssl CLI at start, nothing stored) serves each
 * connection by its first byte: "D" sends MIB MiB in 64 KiB writes and closes with close_notify;
 * "U" + 8-byte length reads that many bytes and answers "k". The client side, in this process, is
 * the variant under test:
 *   raw             Deno.connectTls, conn.read() into a reused 64 KiB buffer / conn.write()
 *   portio          connectTcp(host, port, { tls }) — standardCompatible (the default)
 *   portio-native   the same with standardCompatible: false. On Deno it runs the same engine over
 *                   the same pump as the default path (node:tls natively on a socket is off on
 *                   Deno, see nativeTlsOnSocketSupported); only closing differs (no close_notify)
 *   node:tls        reference, reported only: Deno's node:tls on its own node:net socket, which
 *                   Deno runs natively (rustls on the connection); portio's TLS runs node:tls over
 *                   a portio stream instead (PortioDuplex), Deno's JavaScript TLS path
 *   floor           reference, reported only: node:tls over a plain node:stream Duplex on a raw
 *                   Deno.connect conn, no portio. The least any library must run for portio's
 *                   contract here: Deno's node:tls natively on a socket loses the peer's
 *                   close_notify when the reader falls behind and reports it and a bare FIN
 *                   alike, so telling them apart means running the engine over a JS stream; each
 *                   read goes into a fresh buffer (the reader owns every chunk), reads stop while
 *                   node:tls does not ask for more, the conn's end is flagged before the engine
 *                   sees it, and a write is done once the Duplex is below its high-water mark
 *                   (Deno's engine writes whatever write() returns: without that wait a fast
 *                   sender would queue its whole upload in memory; portio has the same wait).
 *                   portio / floor is what portio's own code costs on top of that path.
 *                   What the path itself costs (Deno 2.9, measured): the engine (rustls behind
 *                   node:tls's JSStreamSocket) hands each 64 KiB write back as two encrypted
 *                   writes (49,218 + 16,406 B: rustls holds at most 64 KiB of records), one at a
 *                   time, the next only a setImmediate after the previous one's callback; every
 *                   record is copied into a fresh JS buffer; the client's CPU per MiB is about
 *                   2.5-3.3 times raw's, mostly copying and allocation (perf: memmove, malloc,
 *                   page faults), not JavaScript.
 * Rounds rotate the variants; medians, and the median of per-round ratios (which cancels load that
 * hits a whole round). MB/s = 10^6 B/s. The JSON holds every round's rate of raw and of each
 * variant (bench/run.mjs shows their spread). The notes also give this process's CPU time (user +
 * system) per MiB of each variant, median over rounds (the server is the same for all), and the
 * median per round of each variant's CPU over the floor's in that round.
 *
 * Run: node_modules/deno/deno run --no-config --no-lock --no-check --node-modules-dir=manual \
 *        --conditions=portio-source --allow-all backends/deno/bench/tls.ts
 * Env: MIB (default 256), ROUNDS (default 5), WARMUPS (default 1), JSON (a path: results as JSON,
 * in bench/tls.mjs's shape); for profiling, JOBS (download,upload) and VARIANTS (portio,portio-native,
 * node:tls; raw and floor always run) narrow the run.
 */
import { connectTcp, EndOfStream, setBackend, type TLSStream } from "@portio/core";
import { denoBackend } from "@portio/deno";
import { ConnDuplex, makeCertificate, startServer, writeAll } from "./tls-common.ts";
import process from "node:process";
import type { Duplex } from "node:stream";
import tls from "node:tls";

const MIB = Number(Deno.env.get("MIB") ?? 256);
const TOTAL = MIB * 1024 * 1024;
const CHUNK = 64 * 1024;

if (Deno.args[0] === "--server-child") {
  const { cert, key } = JSON.parse(await new Response(Deno.stdin.readable).text()) as { cert: string; key: string };
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  console.log(listener.addr.port);
  const payload = new Uint8Array(CHUNK).fill(0x61);
  for await (const conn of listener) {
    void (async () => {
      try {
        const head = new Uint8Array(9);
        if ((await conn.read(head.subarray(0, 1))) === null) return;
        if (head[0] === 0x44 /* D */) {
          for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(conn, payload);
          await conn.closeWrite(); // close_notify (and FIN)
          while ((await conn.read(head)) !== null);
        } else {
          for (let got = 1; got < 9; ) {
            const n = await conn.read(head.subarray(got));
            if (n === null) return;
            got += n;
          }
          const want = Number(new DataView(head.buffer).getBigUint64(1));
          const buffer = new Uint8Array(CHUNK);
          for (let got = 0; got < want; ) {
            const n = await conn.read(buffer);
            if (n === null) return;
            got += n;
          }
          await writeAll(conn, new Uint8Array([0x6b]));
          await conn.closeWrite();
          while ((await conn.read(head)) !== null);
        }
      } catch {
        // A client that went away is the client's business.
      } finally {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    })();
  }
  Deno.exit(0);
}

setBackend(denoBackend);
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 5);
const WARMUPS = Number(Deno.env.get("WARMUPS") ?? 1);
const { ca, cert, key } = makeCertificate();
const { port, child } = await startServer(MIB, { cert, key });

function uploadHeader(): Uint8Array {
  const head = new Uint8Array(9);
  head[0] = 0x55;
  new DataView(head.buffer).setBigUint64(1, BigInt(TOTAL));
  return head;
}

const raw = {
  async download(): Promise<number> {
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca] });
    await conn.handshake();
    const start = performance.now();
    await writeAll(conn, new Uint8Array([0x44]));
    const buffer = new Uint8Array(CHUNK);
    let got = 0;
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      got += n;
    }
    const seconds = (performance.now() - start) / 1000;
    conn.close();
    if (got !== TOTAL) throw new Error(`raw download: ${got} of ${TOTAL} bytes`);
    return seconds;
  },
  async upload(): Promise<number> {
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca] });
    await conn.handshake();
    const start = performance.now();
    await writeAll(conn, uploadHeader());
    const payload = new Uint8Array(CHUNK).fill(0x62);
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(conn, payload);
    const answer = new Uint8Array(1);
    if ((await conn.read(answer)) === null) throw new Error("raw upload: no answer");
    const seconds = (performance.now() - start) / 1000;
    conn.close();
    return seconds;
  },
};

function portio(standardCompatible: boolean) {
  const connect = () =>
    connectTcp("127.0.0.1", port, { tls: { ca, standardCompatible }, tlsHostname: "localhost" }) as Promise<TLSStream>;
  return {
    async download(): Promise<number> {
      const stream = await connect();
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
      if (got !== TOTAL) throw new Error(`portio download: ${got} of ${TOTAL} bytes`);
      return seconds;
    },
    async upload(): Promise<number> {
      const stream = await connect();
      const start = performance.now();
      await stream.send(uploadHeader());
      // One payload for every send, as raw does (send() takes the bytes over; they are never modified).
      const payload = new Uint8Array(CHUNK).fill(0x62);
      for (let sent = 0; sent < TOTAL; sent += CHUNK) await stream.send(payload);
      await stream.receive();
      const seconds = (performance.now() - start) / 1000;
      await stream.aclose();
      return seconds;
    },
  };
}

const floor = {
  async connect(): Promise<{ secure: tls.TLSSocket; duplex: ConnDuplex }> {
    const duplex = new ConnDuplex(await Deno.connect({ hostname: "127.0.0.1", port }));
    const secure = tls.connect({ socket: duplex, ca, servername: "localhost" });
    await new Promise((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    return { secure, duplex };
  },
  async download(): Promise<number> {
    const { secure, duplex } = await floor.connect();
    // Read when the TLS stream ends: the conn's own end may come right after.
    let ragged: boolean | undefined;
    secure.once("end", () => (ragged = duplex.transportEnded));
    const seconds = await nodeTlsDownload(secure);
    if (ragged !== false) throw new Error("floor download: the transport ended before close_notify");
    return seconds;
  },
  async upload(): Promise<number> {
    const { secure, duplex } = await floor.connect();
    return nodeTlsUpload(secure, duplex);
  },
};

/** node:tls on a node:net socket it makes itself: what Deno's node:tls does at its best. */
const nodeTls = {
  async connect(): Promise<tls.TLSSocket> {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" });
    await new Promise((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    return socket;
  },
  async download(): Promise<number> {
    return nodeTlsDownload(await nodeTls.connect());
  },
  async upload(): Promise<number> {
    return nodeTlsUpload(await nodeTls.connect());
  },
};

async function nodeTlsDownload(socket: tls.TLSSocket): Promise<number> {
  const start = performance.now();
  let got = 0;
  const ended = new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Uint8Array) => {
      got += chunk.length;
    });
    socket.once("end", resolve);
    socket.once("error", reject);
  });
  socket.write(new Uint8Array([0x44]));
  await ended;
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  if (got !== TOTAL) throw new Error(`node:tls download: ${got} of ${TOTAL} bytes`);
  return seconds;
}

/** Uploads on `socket`; with `duplex`, each write also waits until it is below its high-water mark. */
async function nodeTlsUpload(socket: tls.TLSSocket, duplex?: Duplex): Promise<number> {
  const start = performance.now();
  const answered = new Promise<void>((resolve, reject) => {
    socket.once("data", () => resolve());
    socket.once("error", reject);
  });
  socket.write(uploadHeader());
  const payload = new Uint8Array(CHUNK).fill(0x62);
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!socket.write(payload)) await new Promise((resolve) => socket.once("drain", resolve));
    if (duplex?.writableNeedDrain) await new Promise((resolve) => duplex.once("drain", resolve));
  }
  await answered;
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  return seconds;
}

const variants = { raw, portio: portio(true), "portio-native": portio(false), "node:tls": nodeTls, floor } as const;
type Variant = keyof typeof variants;
// VARIANTS / JOBS (comma-separated) narrow a profiling run; bench/run.mjs runs them all.
const names = (Object.keys(variants) as Variant[]).filter(
  (name) =>
    name === "raw" || name === "floor" || !Deno.env.get("VARIANTS") || Deno.env.get("VARIANTS")!.split(",").includes(name),
);
const jobs = (["download", "upload"] as const).filter(
  (job) => !Deno.env.get("JOBS") || Deno.env.get("JOBS")!.split(",").includes(job),
);
const times: Record<string, number[]> = {};
/** CPU microseconds (user + system) of this process per measured round, by `${job} ${variant}`. */
const cpuTimes: Record<string, number[]> = {};
for (const job of jobs) {
  for (const name of names) {
    times[`${job} ${name}`] = [];
    cpuTimes[`${job} ${name}`] = [];
  }
  for (let round = 0; round < WARMUPS + ROUNDS; round++) {
    // Rotate the order so that no variant always runs first.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      const cpu0 = process.cpuUsage();
      const seconds = await variants[name][job]();
      const cpu = process.cpuUsage(cpu0);
      if (round >= WARMUPS) {
        times[`${job} ${name}`]!.push(seconds);
        cpuTimes[`${job} ${name}`]!.push(cpu.user + cpu.system);
      }
    }
  }
}
child.kill();
await child.status;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rate = (key: string) => TOTAL / median(times[key]!) / 1e6;
const results: Array<{
  job: string;
  raw: number;
  portio: number;
  ratio: number;
  target: number | null;
  note: string;
  samples: { raw: number[]; portio: number[] };
}> = [];
/** MB/s of each measured round (bench/run.mjs shows their spread). */
const rates = (key: string) => times[key]!.map((seconds) => TOTAL / seconds / 1e6);
console.log(`TLS bulk on deno ${Deno.version.deno}, ${MIB} MiB per transfer, medians of ${ROUNDS}`);
for (const job of jobs) {
  const rawRate = rate(`${job} raw`);
  const floorRate = rate(`${job} floor`);
  // CPU milliseconds per MiB, median over rounds.
  const cpuPerMib = (name: string) => median(cpuTimes[`${job} ${name}`]!) / 1000 / MIB;
  // The median over rounds of (name's CPU / the floor's CPU) in the same round: rounds rotate the
  // variants, so load that hits a whole round cancels out, which the medians' ratio does not do.
  const cpuPerFloor = (name: string) =>
    median(cpuTimes[`${job} ${name}`]!.map((micros, i) => micros / cpuTimes[`${job} floor`]![i]!));
  console.log(
    `  ${job.padEnd(8)} raw Deno.connectTls ${rawRate.toFixed(0).padStart(6)} MB/s  CPU ${cpuPerMib("raw").toFixed(2)} ms/MiB`,
  );
  console.log(
    `  ${job.padEnd(8)} floor               ${floorRate.toFixed(0).padStart(6)} MB/s  ratio ${(floorRate / rawRate).toFixed(3)}  CPU ${cpuPerMib("floor").toFixed(2)} ms/MiB`,
  );
  for (const name of ["portio", "portio-native", "node:tls"].filter((name) => names.includes(name as Variant))) {
    const r = rate(`${job} ${name}`);
    // Time ratio raw/portio per round = throughput ratio portio/raw.
    const perRound = median(times[`${job} raw`]!.map((seconds, i) => seconds / times[`${job} ${name}`]![i]!));
    console.log(
      `  ${job.padEnd(8)} ${name.padEnd(19)} ${r.toFixed(0).padStart(6)} MB/s  ratio ${(r / rawRate).toFixed(3)}  per-round ratio ${perRound.toFixed(3)}  / floor ${(r / floorRate).toFixed(3)}  CPU ${cpuPerMib(name).toFixed(2)} ms/MiB (per-round / floor ${cpuPerFloor(name).toFixed(2)})`,
    );
    const cpuNote =
      `CPU per MiB raw ${cpuPerMib("raw").toFixed(2)} ms, floor ${cpuPerMib("floor").toFixed(2)} ms, ${name} ` +
      `${cpuPerMib(name).toFixed(2)} ms (${name} / floor per round ${cpuPerFloor(name).toFixed(2)})`;
    results.push({
      job: `tls ${job} (${name})`,
      raw: rawRate,
      portio: r,
      ratio: r / rawRate,
      // The node:tls row is a reference for reading the others, not a portio figure.
      target: name === "node:tls" ? null : 0.95,
      samples: { raw: rates(`${job} raw`), portio: rates(`${job} ${name}`) },
      note:
        `median per-round ratio ${perRound.toFixed(3)}` +
        (name === "node:tls"
          ? `; portio column = node:tls on a node:net socket (reference); ${cpuNote}`
          : `; floor (node:tls over a plain Duplex on a raw Deno.connect conn) ${floorRate.toFixed(0)} MB/s = ` +
            `${(floorRate / rawRate).toFixed(2)} of raw, ${name} / floor ${(r / floorRate).toFixed(2)}; ${cpuNote}`),
    });
  }
}
// bench/run.mjs passes `--json PATH`, as to its other scripts.
const jsonFlag = Deno.args.indexOf("--json");
const jsonPath = Deno.env.get("JSON") ?? (jsonFlag >= 0 ? Deno.args[jsonFlag + 1] : undefined);
if (jsonPath) Deno.writeTextFileSync(jsonPath, JSON.stringify({ runtime: `deno ${Deno.version.deno}`, results }, null, 2));
