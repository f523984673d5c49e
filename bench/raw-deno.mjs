// The "raw" side on Deno: Deno.listen / Deno.connect used the fastest way they allow (read into a
// reused 64 KiB buffer, write() until the whole chunk is taken), speaking bench/protocol.mjs.
// bench/main.mjs uses it in place of raw.mjs (node:net) when it runs inside Deno: node:net is
// Deno's compatibility layer, much slower than its own API, so it would not be the raw baseline.
//
// startFreshServer is the bulk floor (main.mjs's `fresh` variant on Deno): the same server, but
// each bulk read goes into a new 64 KiB Uint8Array. Any API that hands the reader chunks it owns
// (portio's receive() and its async iterator do) must at least allocate, zero-fill and fault in
// a buffer per read; raw's one reused buffer never does, so the gap between raw and fresh is
// the runtime's price of that contract, not portio's.
import { BULK, CHURN, ECHO, concurrently, decodeCount, encodeCount } from "./protocol.mjs";

const ONE = Uint8Array.of(1);

async function writeAll(conn, data) {
  let off = 0;
  while (off < data.length) off += await conn.write(off === 0 ? data : data.subarray(off));
}

/**
 * `freshReads`: each bulk read goes into a new buffer (startFreshServer). `owned`: every other
 * chunk read is copied out of the reused buffer into one of its own (`slice`), as an API whose
 * reader owns its chunks must hand them out (raw-deno-awaited.mjs); raw does neither.
 */
async function serve(conn, freshReads, owned) {
  const buffer = new Uint8Array(65536);
  try {
    let n = await conn.read(buffer);
    if (n === null) return;
    const mode = buffer[0];
    if (mode === CHURN) return await writeAll(conn, ONE);
    let pending = buffer.subarray(1, n);
    if (mode === BULK) {
      let count = pending.length;
      while ((n = await conn.read(freshReads ? new Uint8Array(65536) : buffer)) !== null) count += n;
      return await writeAll(conn, encodeCount(count));
    }
    for (;;) {
      if (pending.length > 0) await writeAll(conn, pending);
      if ((n = await conn.read(buffer)) === null) return;
      pending = owned ? buffer.slice(0, n) : buffer.subarray(0, n);
    }
  } catch {
    // the client went away; nothing to report
  } finally {
    try {
      conn.close();
    } catch {}
  }
}

export function startServer(owned = false) {
  return listen(false, owned);
}

/** The raw server with a fresh 64 KiB buffer per bulk read (the floor, see the header). */
export function startFreshServer() {
  return listen(true, false);
}

async function listen(freshReads, owned) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        serve(conn, freshReads, owned);
      }
    } catch {
      // listener closed
    }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      await accepting;
    },
  };
}

async function connect(port) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return conn;
}

export async function bulk(port, total, chunk) {
  const conn = await connect(port);
  const data = new Uint8Array(chunk).fill(7);
  await writeAll(conn, Uint8Array.of(BULK));
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunk) await writeAll(conn, data);
  await conn.closeWrite();
  const reply = new Uint8Array(8);
  let got = 0;
  while (got < 8) {
    const n = await conn.read(reply.subarray(got));
    if (n === null) throw new Error("raw bulk: EOF before the count");
    got += n;
  }
  const seconds = (performance.now() - t0) / 1000;
  conn.close();
  const count = decodeCount(reply);
  if (count !== total) throw new Error(`raw bulk: server counted ${count} of ${total} bytes`);
  return seconds;
}

/** `owned`: as in serve(), each chunk read is copied out into one of its own. */
export async function pingPong(port, count, size, owned = false) {
  const conn = await connect(port);
  const message = new Uint8Array(size).fill(1);
  const buffer = new Uint8Array(owned ? 65536 : size);
  await writeAll(conn, Uint8Array.of(ECHO));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await writeAll(conn, message);
    let got = 0;
    while (got < size) {
      const n = await conn.read(owned ? buffer : buffer.subarray(got));
      if (n === null) throw new Error("raw ping-pong: EOF");
      got += owned ? buffer.slice(0, n).length : n;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  conn.close();
  return seconds;
}

export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  const answer = new Uint8Array(1);
  return concurrently(count, concurrency, async () => {
    const conn = await connect(port);
    await writeAll(conn, request);
    await conn.read(answer);
    conn.close();
  });
}
