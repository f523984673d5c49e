// @ts-check
// The churn floor on Node ("raw-awaited"): node:net used the way a promise-based API has to use
// it, measured by bench/main.mjs in the same rounds as raw and portio (a reference, not a ratio
// target). Only the churn job: its server answers CHURN and nothing else.
//
// Why this is the floor of an API with portio's contract, and nothing more:
// - client: one awaited promise per connect ('connect'), send, receive and close, in an async
//   function per connection, as `connectTcp` / `send` / `receive` / `aclose` are used;
// - server: an async handler per connection with one awaited receive and one awaited send, then
//   close, as `serve()` runs a handler;
// - a send resolves at once when `socket.write()` takes the bytes (waiting for 'drain' only when it
//   does not), which is when portio's send resolves too; a receive is a minimal pull over 'data'
//   (a queue for chunks that come before the receive, each chunk the reader's own, as Node
//   allocates one per read); a close is `destroy()`, which releases the fd at once on Node, so its
//   promise is an already-resolved one.
// Nothing of portio's is used: no busy checks, no abort signals, no typed errors, no handler
// bookkeeping. raw.mjs (callbacks, one promise per connection) stays the ratio's baseline.
import net from "node:net";
import { CHURN, concurrently } from "./protocol.mjs";

const ONE = Uint8Array.of(1);
const resolved = Promise.resolve();

/** The smallest pull reader over a socket's 'data' events; the listeners are shared, state lives here. */
class AwaitedSocket {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Uint8Array[]} */
    this.queue = [];
    /** @type {{ resolve: (chunk: Uint8Array | null) => void, reject: (error: unknown) => void } | undefined} */
    this.waiter = undefined;
    /** @type {unknown} */
    this.error = undefined;
    this.ended = false;
    /** @type {any} */ (socket).awaited = this;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
  }

  /** @returns {Promise<Uint8Array | null>} the next chunk, null at end of stream */
  receive() {
    if (this.queue.length > 0) return Promise.resolve(/** @type {Uint8Array} */ (this.queue.shift()));
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** @param {Uint8Array} data */
  send(data) {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.socket.write(data)) return resolved;
    return new Promise((resolve) => this.socket.once("drain", resolve));
  }

  close() {
    this.socket.destroy();
    return resolved;
  }
}

/** @this {net.Socket} @param {Uint8Array} chunk */
function onData(chunk) {
  const s = /** @type {AwaitedSocket} */ (/** @type {any} */ (this).awaited);
  const waiter = s.waiter;
  if (waiter === undefined) return void s.queue.push(chunk);
  s.waiter = undefined;
  waiter.resolve(chunk);
}

/** @this {net.Socket} */
function onEnd() {
  const s = /** @type {AwaitedSocket} */ (/** @type {any} */ (this).awaited);
  s.ended = true;
  const waiter = s.waiter;
  s.waiter = undefined;
  waiter?.resolve(null);
}

/** @this {net.Socket} @param {Error} error */
function onError(error) {
  const s = /** @type {AwaitedSocket} */ (/** @type {any} */ (this).awaited);
  s.error ??= error;
  const waiter = s.waiter;
  s.waiter = undefined;
  waiter?.reject(error);
}

/** @param {net.Socket} socket */
async function handle(socket) {
  const s = new AwaitedSocket(socket);
  try {
    const first = await s.receive();
    if (first === null || first[0] !== CHURN) throw new Error("raw-awaited serves the churn job only");
    await s.send(ONE);
  } catch {
    // a failed connection is dropped, as serve() would report and drop it
  } finally {
    await s.close();
  }
}

export async function startServer() {
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => void handle(socket));
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => resolve(undefined));
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { port, close: () => new Promise((r) => server.close(() => r(undefined))) };
}

/** @param {number} port @returns {Promise<AwaitedSocket>} */
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true, allowHalfOpen: true });
    const onConnectError = (/** @type {Error} */ error) => reject(error);
    socket.once("error", onConnectError);
    socket.once("connect", () => {
      socket.off("error", onConnectError);
      resolve(new AwaitedSocket(socket));
    });
  });
}

/** `count` connections, `concurrency` at a time: connect, send CHURN, receive the answer, close, each awaited. */
export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(count, concurrency, async () => {
    const s = await connect(port);
    await s.send(request);
    if ((await s.receive()) === null) throw new Error("raw-awaited churn: the server closed without answering");
    await s.close();
  });
}
