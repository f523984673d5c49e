// @ts-check
// The "raw-awaited" reference of bench/main.mjs on Node (ping-pong and churn): node:net held to
// the contract any promise-based stream API has, and nothing more. It is the floor for portio's
// ping-pong and churn, not a third contestant:
//   - one promise awaited per send and per receive, on both ends (an awaited API cannot write
//     from inside the 'data' callback the way raw.mjs does);
//   - a send resolves at once when write() returned true (the least a send can do), else on 'drain';
//   - a receive gets the Buffer 'data' delivered (node:net makes a fresh one per read: the
//     reader owns it), or waits for the next one through a single pending promise;
//   - churn: one awaited promise per connect ('connect'), send, receive and close, in an async
//     function per connection, as `connectTcp` / `send` / `receive` / `aclose` are used; the
//     server's handler awaits its receive and its send, then closes; a close is `destroy()`, which
//     releases the fd at once on Node, so its promise is an already-resolved one;
//   - no busy/closed checks, no error mapping, no cancellation, no maxBytes: those are portio's
//     additions, so the gap between this and portio is what portio itself costs.
// The server is the same awaited loop (receive, then send it back), speaking bench/protocol.mjs.
import net from "node:net";
import { BULK, CHURN, ECHO, concurrently, encodeCount } from "./protocol.mjs";
import { connect, listenLoopback } from "./raw.mjs";

const ONE = Uint8Array.of(1);
const SENT = Promise.resolve();

/** A net.Socket as awaited `read()` / `write()`: a queue of 'data' chunks and one waiting reader. */
class AwaitedSocket {
  /** @param {import("node:net").Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.eof = false;
    /** @type {Error | undefined} */
    this.error = undefined;
    /** @type {{ resolve: (c: Uint8Array | null) => void, reject: (e: Error) => void } | undefined} */
    this.reader = undefined;
    socket.on("data", (chunk) => {
      const reader = this.reader;
      if (reader) {
        this.reader = undefined;
        reader.resolve(chunk);
      } else this.chunks.push(chunk);
    });
    socket.on("end", () => {
      this.eof = true;
      this.reader?.resolve(null);
      this.reader = undefined;
    });
    socket.on("error", (error) => {
      this.error = error;
      this.reader?.reject(error);
      this.reader = undefined;
    });
  }

  /** @returns {Promise<Uint8Array | null>} the next chunk, or null at end of stream */
  read() {
    if (this.chunks.length > 0) return Promise.resolve(/** @type {Uint8Array} */ (this.chunks.shift()));
    if (this.eof) return Promise.resolve(null);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  /** @param {Uint8Array} data */
  write(data) {
    if (this.socket.write(data)) return SENT;
    return new Promise((resolve) => this.socket.once("drain", resolve));
  }
}

async function serve(socket) {
  const s = new AwaitedSocket(socket);
  let first = await s.read();
  if (first === null) return socket.end();
  const mode = first[0];
  first = first.subarray(1);
  if (mode === CHURN) {
    await s.write(ONE);
    return socket.destroy();
  }
  if (mode === BULK) {
    let count = first.length;
    for (let c = await s.read(); c !== null; c = await s.read()) count += c.length;
    return socket.end(encodeCount(count));
  }
  if (first.length > 0) await s.write(first);
  for (let c = await s.read(); c !== null; c = await s.read()) await s.write(c);
  socket.end();
}

export async function startServer() {
  const server = net.createServer({ noDelay: true }, (socket) => {
    serve(socket).catch(() => socket.destroy());
  });
  return listenLoopback(server);
}

/** `count` round trips of `size` bytes, one await per send and per receive; the seconds they took. */
export async function pingPong(port, count, size) {
  const s = new AwaitedSocket(await connect(port));
  const message = new Uint8Array(size).fill(1);
  await s.write(Uint8Array.of(ECHO));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await s.write(message);
    let got = 0;
    while (got < size) {
      const chunk = await s.read();
      if (chunk === null) throw new Error("raw-awaited ping-pong: EOF");
      got += chunk.length;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  s.socket.destroy();
  return seconds;
}

/** `count` connections, `concurrency` at a time: connect, send CHURN, receive the answer, close, each awaited. */
export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(count, concurrency, async () => {
    const s = new AwaitedSocket(await connect(port));
    await s.write(request);
    if ((await s.read()) === null) throw new Error("raw-awaited churn: the server closed without answering");
    s.socket.destroy();
    await SENT; // the close, already complete (see the header)
  });
}
