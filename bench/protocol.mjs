// @ts-check
// The wire protocol every benchmark server speaks, whatever API it is written with.
// The client's first byte picks the job:
//   BULK: the client streams bytes and half-closes; the server counts them and answers with the
//         count as 8 bytes (big-endian), then closes.
//   ECHO: the server sends back every byte it receives until the client half-closes.
//   CHURN: the server answers one byte and closes (connection churn: connect, accept, 1 B, close).
export const BULK = 0x42;
export const ECHO = 0x45;
export const CHURN = 0x43;

/**
 * Runs `once()` `count` times, at most `concurrency` at a time (connection churn keeps several
 * connections in flight, as a loaded server sees them); resolves with the seconds it took.
 */
export async function concurrently(count, concurrency, once) {
  let started = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (started < count) {
      started++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
  return (performance.now() - t0) / 1000;
}

export function encodeCount(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export function decodeCount(bytes) {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
}
