/**
 * portio on Deno against raw Deno.connect / Deno.listen, in one process and one run: bulk TCP
 * (64 KiB writes) and 64-byte ping-pong. Both ends live in this process (one event loop), for
 * raw and portio alike, so the ratio is what counts.
 *
 * Run: node_modules/deno/deno run --no-config --no-lock --no-check --node-modules-dir=manual \
 *        --conditions=portio-source --allow-net --allow-env backends/deno/bench/tcp.ts
 * Env: BULK_MIB (default 512), PINGS (default 20000), ROUNDS (default 5, median reported).
 *
 * It also prints, per bulk variant, the process's minor page faults and CPU time (user + system)
 * per round, both ends included: portio hands every received chunk to the application as memory
 * of its own, which raw's one reused buffer never needs, and when the allocator has returned that
 * memory to the kernel between rounds each fresh page is a fault inside the kernel's copy. Faults
 * and CPU time, unlike wall time, barely move with other load on the machine.
 *
 * A third bulk variant, `fresh` (raw `Deno.connect` reading each chunk into a new 64 KiB
 * `Uint8Array`), is the floor for any API that hands the reader chunks it owns: V8 zero-fills each
 * new buffer and the allocator's pages are colder than one reused buffer, so portio's bulk figure
 * is read against it as well as against raw.
 *
 * Ping-pong has a floor of the same kind, `awaited` (printed as a note, not a row; the one-process
 * counterpart of bench/main.mjs's raw-awaited, bench/raw-deno-awaited.mjs): raw `Deno.connect`
 * with one await per write and per read on both ends, as raw already is, and each chunk read
 * copied out into one of its own (`slice`), as an API whose reader owns its chunks must hand it
 * out. Raw reads into one reused buffer, which the next read overwrites.
 */
import { connectTcp, createTcpListener, setBackend, SocketAttribute, type SocketListener, type SocketStream } from "@portio/core";
import { denoBackend } from "@portio/deno";
import process from "node:process";

setBackend(denoBackend);
const BULK = Number(Deno.env.get("BULK_MIB") ?? 512) * 1024 * 1024;
const PINGS = Number(Deno.env.get("PINGS") ?? 20000);
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 5);
const CHUNK = new Uint8Array(65536);
const MSG = new Uint8Array(64);

/** Minor page faults and CPU milliseconds of the bulk rounds, per variant. */
type BulkVariant = "raw" | "fresh" | "portio";
const bulkCost: Record<BulkVariant, { faults: number[]; cpuMs: number[] }> = {
  raw: { faults: [], cpuMs: [] },
  fresh: { faults: [], cpuMs: [] },
  portio: { faults: [], cpuMs: [] },
};

/** Starts counting; the returned function records the round's cost under `variant`. */
function countCost(variant: BulkVariant): () => void {
  const before = process.resourceUsage();
  return () => {
    const after = process.resourceUsage();
    bulkCost[variant].faults.push(after.minorPageFault - before.minorPageFault);
    bulkCost[variant].cpuMs.push((after.userCPUTime - before.userCPUTime + after.systemCPUTime - before.systemCPUTime) / 1000);
  };
}

async function rawPair(): Promise<[Deno.TcpConn, Deno.TcpConn, () => void]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  (server as Deno.TcpConn).setNoDelay(true);
  return [client, server as Deno.TcpConn, () => listener.close()];
}

async function portioPair(): Promise<[SocketStream, SocketStream, () => Promise<void>]> {
  const listener = await createTcpListener({ localHost: "127.0.0.1" });
  // createTcpListener on one address gives one SocketListener; MultiListener types its parts as
  // plain Listeners, which have serve() but no accept().
  const only = listener.listeners[0] as SocketListener;
  const [client, server] = await Promise.all([connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort)), only.accept()]);
  return [client as SocketStream, server, () => listener.aclose()];
}

/** Raw bulk; `fresh` reads each chunk into a new buffer, as an API handing out owned chunks must. */
async function rawBulk(fresh = false): Promise<number> {
  const [client, server, close] = await rawPair();
  const counted = countCost(fresh ? "fresh" : "raw");
  const start = performance.now();
  const sending = (async () => {
    for (let sent = 0; sent < BULK; sent += CHUNK.length) {
      let off = 0;
      while (off < CHUNK.length) off += await client.write(CHUNK.subarray(off));
    }
    await client.closeWrite();
  })();
  const buffer = new Uint8Array(65536);
  let got = 0;
  for (;;) {
    const n = await server.read(fresh ? new Uint8Array(65536) : buffer);
    if (n === null) break;
    got += n;
  }
  await sending;
  const seconds = (performance.now() - start) / 1000;
  counted();
  client.close();
  server.close();
  close();
  if (got !== BULK) throw new Error(`raw bulk: got ${got}`);
  return BULK / seconds / 1e6;
}

async function portioBulk(): Promise<number> {
  const [client, server, close] = await portioPair();
  const counted = countCost("portio");
  const start = performance.now();
  const sending = (async () => {
    for (let sent = 0; sent < BULK; sent += CHUNK.length) await client.send(CHUNK);
    await client.sendEof();
  })();
  let got = 0;
  for await (const chunk of server) got += chunk.length;
  await sending;
  const seconds = (performance.now() - start) / 1000;
  counted();
  await client.aclose();
  await server.aclose();
  await close();
  if (got !== BULK) throw new Error(`portio bulk: got ${got}`);
  return BULK / seconds / 1e6;
}

/** Raw ping-pong; `owned` copies every chunk read out into one of its own (the `awaited` floor). */
async function rawPing(owned = false): Promise<number> {
  const [client, server, close] = await rawPair();
  const echo = (async () => {
    // Owned: each read lands in a 64 KiB buffer, as a reader that does not know the message size
    // reads, and the chunk is copied out of it; the echo sends the copy.
    const buffer = new Uint8Array(owned ? 65536 : 64);
    for (;;) {
      let got = 0;
      let reply = buffer;
      while (got < 64) {
        const n = await server.read(owned ? buffer : buffer.subarray(got));
        if (n === null) return;
        if (owned) reply = buffer.slice(0, n);
        got += n;
      }
      await server.write(owned ? reply : buffer);
    }
  })();
  const buffer = new Uint8Array(owned ? 65536 : 64);
  const start = performance.now();
  for (let i = 0; i < PINGS; i++) {
    await client.write(MSG);
    let got = 0;
    while (got < 64) {
      const n = (await client.read(owned ? buffer : buffer.subarray(got)))!;
      got += owned ? buffer.slice(0, n).length : n;
    }
  }
  const rate = PINGS / ((performance.now() - start) / 1000);
  client.close();
  await echo.catch(() => {});
  server.close();
  close();
  return rate;
}

async function portioPing(): Promise<number> {
  const [client, server, close] = await portioPair();
  // MSG itself, as raw writes it: a sent buffer may be reused once send() resolves (as in
  // bench/portio.mjs), so a copy per send would be the benchmark's cost, not portio's.
  const echo = (async () => {
    for (;;) {
      let got = 0;
      while (got < 64) got += (await server.receive(64 - got)).length;
      await server.send(MSG);
    }
  })().catch(() => {});
  const start = performance.now();
  for (let i = 0; i < PINGS; i++) {
    await client.send(MSG);
    let got = 0;
    while (got < 64) got += (await client.receive(64 - got)).length;
  }
  const rate = PINGS / ((performance.now() - start) / 1000);
  await client.aclose();
  await echo;
  await server.aclose();
  await close();
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, number[]> = {
  rawBulk: [],
  portioBulk: [],
  rawPing: [],
  portioPing: [],
  freshBulk: [],
  awaitedPing: [],
};
await rawBulk();
await rawBulk(true);
await portioBulk(); // warm-up
for (const cost of Object.values(bulkCost)) {
  cost.faults.length = 0;
  cost.cpuMs.length = 0;
}
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, so that drift in the machine's load hits both alike.
  results.rawBulk!.push(await rawBulk());
  results.portioBulk!.push(await portioBulk());
  results.freshBulk!.push(await rawBulk(true));
  results.rawPing!.push(await rawPing());
  results.portioPing!.push(await portioPing());
  results.awaitedPing!.push(await rawPing(true));
}
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<string, number>;
// Other load on the machine moves both variants of a round together; a ratio per round cancels it.
const roundRatio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!)).toFixed(3);
console.log(`deno ${Deno.version.deno}, ${ROUNDS} rounds, medians, one process`);
console.log(
  `per-round ratios (median): bulk ${roundRatio(results.portioBulk!, results.rawBulk!)}, ping-pong ${roundRatio(results.portioPing!, results.rawPing!)}`,
);
console.log(
  `bulk TCP ${BULK / 2 ** 20} MiB in 64 KiB writes: raw Deno.connect ${m.rawBulk!.toFixed(0)} MB/s, portio ${m.portioBulk!.toFixed(0)} MB/s, ratio ${(m.portioBulk! / m.rawBulk!).toFixed(3)} (contract >= 0.95)`,
);
console.log(
  `64 B ping-pong: raw ${m.rawPing!.toFixed(0)} rt/s, portio ${m.portioPing!.toFixed(0)} rt/s, ratio ${(m.portioPing! / m.rawPing!).toFixed(3)} (contract >= 0.90)`,
);
console.log(
  `bulk floor, raw with a fresh 64 KiB buffer per read: ${m.freshBulk!.toFixed(0)} MB/s, per-round ratio to raw ${roundRatio(results.freshBulk!, results.rawBulk!)}, portio to it ${roundRatio(results.portioBulk!, results.freshBulk!)}`,
);
console.log(
  `ping-pong floor, raw with reader-owned chunks (one await per write and read, a slice per read): ${m.awaitedPing!.toFixed(0)} rt/s, per-round ratio to raw ${roundRatio(results.awaitedPing!, results.rawPing!)}, portio to it ${roundRatio(results.portioPing!, results.awaitedPing!)}`,
);
const costLine = (variant: BulkVariant) =>
  `${variant} ${median(bulkCost[variant].faults)} faults, ${median(bulkCost[variant].cpuMs).toFixed(0)} ms CPU`;
console.log(
  `bulk cost per round (median; both ends): ${costLine("raw")}; ${costLine("fresh")}; ${costLine("portio")}; portio faults per round ${JSON.stringify(bulkCost.portio.faults)}, CPU ms per round ${JSON.stringify(bulkCost.portio.cpuMs.map(Math.round))}`,
);
// Every round, for bench/run.mjs (the spread of each figure).
console.log(`samples ${JSON.stringify(results)}`);
