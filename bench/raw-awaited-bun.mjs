// @ts-check
// The churn floor on Bun ("raw-awaited"): Bun.listen / Bun.connect used the way a promise-based
// API has to use them, measured by bench/main.mjs in the same rounds as raw and portio (a
// reference, not a ratio target). Only the churn job: its server answers CHURN and nothing else.
//
// Why this is the floor of an API with portio's contract, and nothing more:
// - client: one awaited promise per connect (Bun.connect's own), send, receive and close, in an
//   async function per connection, as `connectTcp` / `send` / `receive` / `aclose` are used;
// - server: an async handler per connection (started from `open`) with one awaited receive and
//   one awaited send, then close, as `serve()` runs a handler;
// - one handler object for every socket, per-connection state in `socket.data` (no closures per
//   connection, as raw-bun.mjs's server); a send resolves at once when Bun's `write()` takes every
//   byte (else on 'drain'), a receive is a minimal pull over `data` (a queue for chunks that come
//   before the receive; Bun hands each chunk over as a fresh Uint8Array, the reader's own); a
//   close is `end()`, which releases the fd inside the call, so its promise is already resolved.
// Nothing of portio's is used. raw-bun.mjs (callbacks, one promise per connection) stays the
// ratio's baseline.
import { CHURN, concurrently } from "./protocol.mjs";

const ONE = Uint8Array.of(1);
const resolved = Promise.resolve();

/** Per-connection state in `socket.data`. */
class AwaitedState {
  constructor() {
    /** @type {Uint8Array[]} */
    this.queue = [];
    /** @type {{ resolve: (chunk: Uint8Array | null) => void, reject: (error: unknown) => void } | undefined} */
    this.waiter = undefined;
    /** @type {Uint8Array | undefined} bytes write() did not take */
    this.unwritten = undefined;
    /** @type {(() => void) | undefined} */
    this.drained = undefined;
    /** @type {unknown} */
    this.error = undefined;
    this.ended = false;
  }
}

/** @param {any} s */
function receive(s) {
  /** @type {AwaitedState} */
  const st = s.data;
  if (st.queue.length > 0) return Promise.resolve(/** @type {Uint8Array} */ (st.queue.shift()));
  if (st.error !== undefined) return Promise.reject(st.error);
  if (st.ended) return Promise.resolve(null);
  return new Promise((resolve, reject) => (st.waiter = { resolve, reject }));
}

/** @param {any} s @param {Uint8Array} data @returns {Promise<void>} */
function send(s, data) {
  /** @type {AwaitedState} */
  const st = s.data;
  const written = s.write(data);
  if (written === data.byteLength) return resolved;
  if (written < 0) return Promise.reject(new Error("the socket is closed"));
  st.unwritten = data.subarray(written);
  return new Promise((resolve) => (st.drained = resolve));
}

/** @param {any} s */
function close(s) {
  s.end();
  return resolved;
}

/** @param {any} s */
function wake(s, /** @type {Uint8Array | null} */ chunk, /** @type {unknown} */ error) {
  /** @type {AwaitedState} */
  const st = s.data;
  const waiter = st.waiter;
  st.waiter = undefined;
  if (waiter === undefined) return;
  if (error !== undefined) waiter.reject(error);
  else waiter.resolve(chunk);
}

const handlers = {
  binaryType: "uint8array",
  /** @param {any} s @param {Uint8Array} chunk */
  data(s, chunk) {
    /** @type {AwaitedState} */
    const st = s.data;
    if (st.waiter === undefined) st.queue.push(chunk);
    else wake(s, chunk, undefined);
  },
  /** @param {any} s */
  drain(s) {
    /** @type {AwaitedState} */
    const st = s.data;
    const rest = st.unwritten;
    if (rest === undefined) return;
    const written = s.write(rest);
    if (written < rest.byteLength) return void (st.unwritten = rest.subarray(Math.max(written, 0)));
    st.unwritten = undefined;
    const drained = st.drained;
    st.drained = undefined;
    drained?.();
  },
  /** @param {any} s */
  end(s) {
    s.data.ended = true;
    wake(s, null, undefined);
  },
  /** @param {any} s */
  close(s) {
    s.data.ended = true;
    wake(s, null, undefined);
  },
  /** @param {any} s @param {Error} error */
  error(s, error) {
    s.data.error ??= error;
    wake(s, null, error);
  },
};

/** @param {any} s */
async function handle(s) {
  try {
    const first = await receive(s);
    if (first === null || first[0] !== CHURN) throw new Error("raw-awaited serves the churn job only");
    await send(s, ONE);
  } catch {
    // a failed connection is dropped, as serve() would report and drop it
  } finally {
    await close(s);
  }
}

const serverHandlers = {
  ...handlers,
  /** @param {any} s */
  open(s) {
    s.data = new AwaitedState();
    void handle(s);
  },
};

export async function startServer() {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, allowHalfOpen: true, socket: /** @type {any} */ (serverHandlers) });
  return { port: server.port, close: async () => server.stop(true) };
}

const clientHandlers = {
  ...handlers,
  /** @param {any} s @param {Error} error */
  connectError(s, error) {
    if (s.data) s.data.error ??= error;
  },
};

/** `count` connections, `concurrency` at a time: connect, send CHURN, receive the answer, close, each awaited. */
export function churn(port, count, concurrency) {
  const request = Uint8Array.of(CHURN);
  return concurrently(count, concurrency, async () => {
    const s = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      allowHalfOpen: true,
      data: new AwaitedState(),
      socket: /** @type {any} */ (clientHandlers),
    });
    await send(s, request);
    if ((await receive(s)) === null) throw new Error("raw-awaited churn: the server closed without answering");
    await close(s);
  });
}
