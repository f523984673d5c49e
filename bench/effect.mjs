// (Not type-checked: inferring Effect's generator types needs annotations a .mjs cannot carry.)
// The Effect side: the same jobs as raw.mjs and portio.mjs written with Effect's Socket
// (effect/socket/Socket through @effect/platform-node's NodeSocket and NodeSocketServer, the
// versions pinned in bench/package.json), the TypeScript peer portio is compared with.
// Idiomatic use: one Effect program per connection, run with Effect.runPromise; the writer's
// scope closing is Effect's half-close (it calls end() on the socket).
import * as NodeSocket from "@effect/platform-node/NodeSocket";
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Result from "effect/Result";
import * as Scope from "effect/Scope";
import { BULK, ECHO, decodeCount, encodeCount } from "./protocol.mjs";

const connect = (port) => NodeSocket.makeNet({ host: "127.0.0.1", port, noDelay: true });

/** Pulls until `n` bytes arrived (the peer sends no more than that here). */
const readExactly = (reader, n) =>
  Effect.gen(function* () {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      for (const chunk of yield* reader.pull) {
        out.set(chunk.subarray(0, n - got), got);
        got += Math.min(chunk.length, n - got);
      }
    }
    return out;
  });

/** Serves one connection: BULK counts until EOF and answers the count, ECHO echoes until EOF. */
const handle = (socket) =>
  Effect.scoped(
    Effect.gen(function* () {
      const reader = yield* socket.reader;
      const writer = yield* socket.writer;
      let mode;
      let count = 0;
      for (;;) {
        // EOF arrives as a SocketCloseError failure of pull.
        const pulled = yield* Effect.result(reader.pull);
        if (Result.isFailure(pulled)) break;
        for (let chunk of pulled.success) {
          if (mode === undefined) {
            mode = chunk[0];
            chunk = chunk.subarray(1);
          }
          if (mode === BULK) count += chunk.length;
          else if (mode === ECHO && chunk.length > 0) yield* writer.write(chunk);
        }
      }
      if (mode === BULK) yield* writer.write(encodeCount(count));
    }),
  );

export async function startServer() {
  const scope = Effect.runSync(Scope.make());
  const server = await Effect.runPromise(
    Scope.provide(NodeSocketServer.make({ host: "127.0.0.1", port: 0, noDelay: true }), scope),
  );
  const running = Effect.runFork(server.run(handle));
  const { port } = /** @type {{ port: number }} */ (server.address);
  return {
    port,
    async close() {
      await Effect.runPromise(Fiber.interrupt(running));
      await Effect.runPromise(Scope.close(scope, Exit.void));
    },
  };
}

export function bulk(port, total, chunk) {
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const socket = yield* connect(port);
        const reader = yield* socket.reader;
        const writing = yield* Scope.make();
        const writer = yield* Scope.provide(socket.writer, writing);
        const data = new Uint8Array(chunk).fill(7);
        yield* writer.write(Uint8Array.of(BULK));
        const t0 = performance.now();
        for (let sent = 0; sent < total; sent += chunk) yield* writer.write(data);
        yield* Scope.close(writing, Exit.void);
        const count = decodeCount(yield* readExactly(reader, 8));
        const seconds = (performance.now() - t0) / 1000;
        if (count !== total) throw new Error(`Effect bulk: server counted ${count} of ${total} bytes`);
        return seconds;
      }),
    ),
  );
}

export function pingPong(port, count, size) {
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const socket = yield* connect(port);
        const reader = yield* socket.reader;
        const writer = yield* socket.writer;
        const message = new Uint8Array(size).fill(1);
        yield* writer.write(Uint8Array.of(ECHO));
        const t0 = performance.now();
        for (let i = 0; i < count; i++) {
          yield* writer.write(message);
          yield* readExactly(reader, size);
        }
        return (performance.now() - t0) / 1000;
      }),
    ),
  );
}
