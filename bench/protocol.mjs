// @ts-check
// The wire protocol every benchmark server speaks, whatever API it is written with.
// The client's first byte picks the job:
//   BULK: the client streams bytes and half-closes; the server counts them and answers with the
//         count as 8 bytes (big-endian), then closes.
//   ECHO: the server sends back every byte it receives until the client half-closes.
export const BULK = 0x42;
export const ECHO = 0x45;

export function encodeCount(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export function decodeCount(bytes) {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
}
