// @ts-check
// The portio side: the same jobs written with portio's public API only.
import { EndOfStream, SocketAttribute, connectTcp, createTcpListener } from "portio";
import { BULK, CHURN, ECHO, concurrently, decodeCount, encodeCount } from "./protocol.mjs";

const ONE = Uint8Array.of(1);

export async function startServer() {
  const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const stop = new AbortController();
  const serving = listener.serve(
    async (stream) => {
      let first = await stream.receive();
      const mode = first[0];
      first = first.subarray(1);
      if (mode === CHURN) {
        await stream.send(ONE);
      } else if (mode === BULK) {
        let count = first.length;
        for await (const chunk of stream) count += chunk.length;
        await stream.send(encodeCount(count));
      } else {
        if (first.length > 0) await stream.send(first);
        for await (const chunk of stream) await stream.send(chunk);
      }
    },
    { signal: stop.signal },
  );
  return {
    port: listener.extra(SocketAttribute.localPort),
    async close() {
      stop.abort();
      await serving;
      await listener.aclose();
    },
  };
}

async function receiveExactly(stream, n) {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const chunk = await stream.receive(n - got);
    out.set(chunk, got);
    got += chunk.length;
  }
  return out;
}

export async function bulk(port, total, chunk) {
  return bulkOn(await connectTcp("127.0.0.1", port), total, chunk);
}

/** The bulk job on a connected stream, however it was made (bench/adopted.mjs adopts an fd). */
export async function bulkOn(stream, total, chunk) {
  const data = new Uint8Array(chunk).fill(7);
  await stream.send(Uint8Array.of(BULK));
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunk) await stream.send(data);
  await stream.sendEof();
  const count = decodeCount(await receiveExactly(stream, 8));
  const seconds = (performance.now() - t0) / 1000;
  if (count !== total) throw new Error(`portio bulk: server counted ${count} of ${total} bytes`);
  await stream.aclose();
  return seconds;
}

export async function pingPong(port, count, size) {
  return pingPongOn(await connectTcp("127.0.0.1", port), count, size);
}

/** The ping-pong job on a connected stream, however it was made. */
export async function pingPongOn(stream, count, size) {
  const message = new Uint8Array(size).fill(1);
  await stream.send(Uint8Array.of(ECHO));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await stream.send(message);
    let got = 0;
    while (got < size) got += (await stream.receive(size - got)).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  await stream.sendEof();
  try {
    await stream.receive();
  } catch (error) {
    if (!(error instanceof EndOfStream)) throw error;
  }
  await stream.aclose();
  return seconds;
}

/** `count` connections, `concurrency` at a time: connect, send CHURN, receive the answer, close. */
export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(count, concurrency, async () => {
    const stream = await connectTcp("127.0.0.1", port);
    await stream.send(request);
    await stream.receive();
    await stream.aclose();
  });
}
