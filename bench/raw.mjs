// @ts-check
// The "raw" side: node:net used the fastest way it allows ('data' events, write() + 'drain').
import net from "node:net";
import { BULK, CHURN, ECHO, concurrently, decodeCount, encodeCount } from "./protocol.mjs";

const ONE = Uint8Array.of(1);

export async function startServer() {
  const server = net.createServer({ noDelay: true }, (socket) => {
    let mode;
    let count = 0;
    socket.on("data", (chunk) => {
      if (mode === undefined) {
        mode = chunk[0];
        chunk = chunk.subarray(1);
      }
      if (mode === BULK) count += chunk.length;
      else if (mode === CHURN) socket.end(ONE);
      else if (chunk.length > 0) socket.write(chunk);
    });
    socket.on("end", () => (mode === BULK ? socket.end(encodeCount(count)) : mode === CHURN ? undefined : socket.end()));
    socket.on("error", () => socket.destroy());
  });
  return listenLoopback(server);
}

/**
 * Starts `server` on 127.0.0.1, port 0; resolves with the port and a `close()` (also for
 * raw-awaited.mjs's server).
 * @param {import("node:net").Server} server
 */
export async function listenLoopback(server) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => resolve(undefined));
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { port, close: () => new Promise((r) => server.close(() => r(undefined))) };
}

/** A connected node:net socket (TCP_NODELAY on), as every raw client here and in raw-awaited.mjs uses. */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends `total` bytes in `chunk`-sized writes; resolves with the seconds until the server's count arrived. */
export async function bulk(port, total, chunk) {
  return bulkOn(await connect(port), total, chunk);
}

/** The bulk job on a connected socket, however it was made (bench/adopted.mjs's floor adopts an fd). */
export async function bulkOn(socket, total, chunk) {
  const data = new Uint8Array(chunk).fill(7);
  socket.write(Uint8Array.of(BULK));
  const reply = [];
  const done = new Promise((resolve, reject) => {
    socket.on("data", (b) => reply.push(b));
    socket.on("end", resolve);
    socket.on("error", reject);
  });
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunk) {
    if (!socket.write(data)) await new Promise((r) => socket.once("drain", r));
  }
  socket.end();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const count = decodeCount(Buffer.concat(reply));
  if (count !== total) throw new Error(`raw bulk: server counted ${count} of ${total} bytes`);
  socket.destroy();
  return seconds;
}

/** `count` round trips of `size` bytes; resolves with the seconds they took. */
export async function pingPong(port, count, size) {
  return pingPongOn(await connect(port), count, size);
}

/** The ping-pong job on a connected socket, however it was made. */
export async function pingPongOn(socket, count, size) {
  const message = new Uint8Array(size).fill(1);
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    let pending = 0;
    let done = 0;
    socket.on("error", reject);
    socket.on("data", (b) => {
      pending += b.length;
      while (pending >= size) {
        pending -= size;
        if (++done === count) return resolve(undefined);
        socket.write(message);
      }
    });
    socket.write(Uint8Array.of(ECHO));
    socket.write(message);
  });
  const seconds = (performance.now() - t0) / 1000;
  socket.end();
  socket.destroy();
  return seconds;
}

/** `count` connections, `concurrency` at a time: connect, send CHURN, read the answer, close. */
export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(
    count,
    concurrency,
    () =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
        socket.once("connect", () => socket.write(request));
        socket.once("data", () => {
          socket.destroy();
          resolve(undefined);
        });
        socket.once("error", reject);
      }),
  );
}
