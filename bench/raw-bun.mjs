// The "raw" side on Bun: Bun.listen / Bun.connect (Bun's own socket API, faster than its node:net),
// speaking bench/protocol.mjs. bench/main.mjs uses it in place of raw.mjs when it runs inside Bun.
import { BULK, CHURN, ECHO, concurrently, decodeCount, encodeCount } from "./protocol.mjs";

const ONE = Uint8Array.of(1);

/** Writes what Bun's write() did not take once the socket drains (per-socket queue). */
function writer() {
  const pending = new Map();
  return {
    write(s, data) {
      const queued = pending.get(s);
      if (queued) return void queued.push(data);
      const n = s.write(data);
      if (n < data.length) pending.set(s, [data.subarray(Math.max(n, 0))]);
    },
    drain(s) {
      const queued = pending.get(s);
      if (!queued) return;
      pending.delete(s);
      for (const data of queued) this.write(s, data);
    },
    flushed: (s) => !pending.has(s),
  };
}

export async function startServer() {
  const out = writer();
  const state = new Map();
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(s) {
        s.setNoDelay(true);
        state.set(s, { mode: undefined, count: 0 });
      },
      data(s, d) {
        const st = state.get(s);
        if (st.mode === undefined) {
          st.mode = d[0];
          d = d.subarray(1);
        }
        if (st.mode === CHURN) s.end(ONE);
        else if (st.mode === BULK) st.count += d.length;
        else if (d.length > 0) out.write(s, new Uint8Array(d));
      },
      drain: (s) => out.drain(s),
      end(s) {
        const st = state.get(s);
        if (st.mode === BULK) s.end(encodeCount(st.count));
        else if (st.mode !== CHURN) s.end();
      },
      close: (s) => state.delete(s),
      error() {},
    },
  });
  return { port: server.port, close: async () => server.stop(true) };
}

export async function bulk(port, total, chunk) {
  const data = new Uint8Array(chunk).fill(7);
  const reply = [];
  let t0 = 0;
  let done;
  const finished = new Promise((resolve, reject) => (done = { resolve, reject }));
  let offset = 0;
  let sent = 0;
  const pump = (s) => {
    while (sent < total) {
      const n = s.write(data, offset, chunk - offset);
      if (n <= 0) return;
      offset += n;
      if (offset < chunk) return;
      offset = 0;
      sent += chunk;
    }
    if (!s.data) {
      s.data = true;
      s.shutdown();
    }
  };
  await Bun.connect({
    hostname: "127.0.0.1",
    port,
    allowHalfOpen: true,
    socket: {
      open(s) {
        s.setNoDelay(true);
        s.write(Uint8Array.of(BULK));
        t0 = performance.now();
        pump(s);
      },
      drain: pump,
      data: (_s, d) => reply.push(new Uint8Array(d)),
      close: () => done.resolve(),
      error: (_s, e) => done.reject(e),
    },
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const bytes = new Uint8Array(reply.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of reply) {
    bytes.set(b, at);
    at += b.length;
  }
  const count = decodeCount(bytes);
  if (count !== total) throw new Error(`raw bulk: server counted ${count} of ${total} bytes`);
  return seconds;
}

export async function pingPong(port, count, size) {
  const message = new Uint8Array(size).fill(1);
  let t0 = 0;
  let got = 0;
  let done = 0;
  let finish;
  const finished = new Promise((resolve, reject) => (finish = { resolve, reject }));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s, d) {
        got += d.length;
        while (got >= size) {
          got -= size;
          if (++done === count) return finish.resolve();
          s.write(message);
        }
      },
      error: (_s, e) => finish.reject(e),
    },
  });
  socket.setNoDelay(true);
  socket.write(Uint8Array.of(ECHO));
  t0 = performance.now();
  socket.write(message);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  socket.end();
  return seconds;
}

export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(
    count,
    concurrency,
    () =>
      new Promise((resolve, reject) => {
        Bun.connect({
          hostname: "127.0.0.1",
          port,
          socket: {
            open: (s) => void s.write(request),
            data(s) {
              s.end();
              resolve(undefined);
            },
            error: (_s, e) => reject(e),
            connectError: (_s, e) => reject(e),
          },
        }).catch(reject);
      }),
  );
}
