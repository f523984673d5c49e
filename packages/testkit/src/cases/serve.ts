import { ClosedResourceError, EndOfStream, SocketAttribute, connectTcp, type SocketStream } from "@portio/core";
import { bytesEqual, equal, ok, rejects } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import { utf8 } from "../support/bytes.ts";
import { deferred } from "@portio/core/backend";
import { exchange, receiveAll, receiveExactly } from "../support/io.ts";
import { startServing } from "../support/serving.ts";
import { loopbackListener } from "../support/tcp.ts";

/** Resolves when `signal` aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** The serve() rules of docs/design.md "Concurrency and serving", which every backend inherits from core. */
export const serveSuite: SuiteDefinition = {
  suite: "serve",
  cases: [
    {
      name: "concurrent-handlers",
      description: "two connections are handled at the same time: each handler waits until both have started",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const bothStarted = deferred();
        let started = 0;
        startServing(t, multi, async (stream) => {
          if (++started === 2) bothStarted.resolve();
          await bothStarted.promise;
          await stream.send(await receiveExactly(stream, 4));
        });
        const first = t.use(await connectTcp(host, port));
        const second = t.use(await connectTcp(host, port));
        for (const client of [first, second]) await client.send(utf8("ping"));
        for (const client of [first, second]) bytesEqual(await receiveExactly(client, 4), "ping", "echo");
      },
    },
    {
      name: "handler-error-contained",
      description:
        "a handler that throws gets its stream closed and reported to onError(error, stream); serving goes on with the next client",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const failure = new Error("handler failed on purpose");
        const reported = deferred<[unknown, SocketStream]>();
        let calls = 0;
        startServing(
          t,
          multi,
          async (stream) => {
            if (++calls === 1) throw failure;
            await stream.send(await receiveExactly(stream, 4));
          },
          { onError: (error, stream) => reported.resolve([error, stream]) },
        );
        const failing = t.use(await connectTcp(host, port));
        const [error, stream] = await reported.promise;
        equal(error, failure, "error passed to onError");
        await rejects(stream.receive(), ClosedResourceError, undefined, "the failed handler's stream is closed");
        await rejects(failing.receive(), EndOfStream, undefined, "the client of the failed handler");
        const healthy = t.use(await connectTcp(host, port));
        await healthy.send(utf8("next"));
        bytesEqual(await receiveExactly(healthy, 4), "next", "echo for the next client");
      },
    },
    {
      name: "on-error-failure-ends-serve",
      description: "an error thrown by onError itself ends serve() with that error",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const fatal = new Error("onError gave up");
        const serving = startServing(
          t,
          multi,
          () => {
            throw new Error("handler failed on purpose");
          },
          {
            onError: () => {
              throw fatal;
            },
          },
        );
        t.use(await connectTcp(host, port));
        equal(await rejects(serving.finished, Error), fatal, "serve()'s error");
      },
    },
    {
      name: "abort-stops-serving",
      description:
        "aborting serve()'s signal aborts every handler's signal, waits for the handlers, closes their streams and resolves; the listener stays open",
      async run(t) {
        const { multi, listener, host, port } = await loopbackListener(t);
        const handlerStarted = deferred();
        let handlerSawAbort = false;
        const serving = startServing(t, multi, async (_stream, { signal }) => {
          handlerStarted.resolve();
          await aborted(signal);
          handlerSawAbort = true;
        });
        const client = t.use(await connectTcp(host, port));
        await handlerStarted.promise;
        await serving.stop();
        ok(handlerSawAbort, "the handler's signal was aborted before serve() resolved");
        bytesEqual(await receiveAll(client, 0), "", "the handler's stream was closed");
        const [late, accepted] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(late);
        t.use(accepted);
        await exchange(late, accepted);
      },
    },
    {
      name: "already-aborted",
      description: "serve() with an already aborted signal resolves without accepting; the listener stays usable",
      async run(t) {
        const { multi, listener, host, port } = await loopbackListener(t);
        let handled = 0;
        await multi.serve(
          () => {
            handled++;
          },
          { signal: AbortSignal.abort() },
        );
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        equal(handled, 0, "handler calls");
        equal(server.extra(SocketAttribute.remotePort), client.extra(SocketAttribute.localPort), "accepted afterwards");
      },
    },
    {
      name: "stream-closed-after-handler",
      description: "when the handler returns, serve() closes its stream: the client sees EOF, the stream is closed",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const handlerStream = deferred<SocketStream>();
        startServing(t, multi, async (stream) => {
          await stream.send(utf8("bye"));
          handlerStream.resolve(stream);
        });
        const client = t.use(await connectTcp(host, port));
        bytesEqual(await receiveAll(client, 64), "bye", "what the client received");
        await rejects((await handlerStream.promise).send(utf8("x")), ClosedResourceError);
      },
    },
    ...(["abort", "listener-closed"] as const).map(
      (how): CaseDefinition => ({
        name: `bounded-shutdown[${how}]`,
        description:
          how === "abort"
            ? "with the README's echo handler, which ignores its signal, and a client that stays connected, aborting serve() still resolves: after shutdownGraceMs the handler's stream is closed"
            : "with the README's echo handler and a client that stays connected, closing the listener under serve() ends it (ClosedResourceError) after shutdownGraceMs closed the handler's stream",
        async run(t) {
          const { multi, host, port } = await loopbackListener(t);
          const serving = startServing(
            t,
            multi,
            async (stream) => {
              for await (const chunk of stream) await stream.send(chunk); // the README's handler
            },
            { shutdownGraceMs: 50 },
          );
          const client = t.use(await connectTcp(host, port));
          await client.send(utf8("ping"));
          bytesEqual(await receiveExactly(client, 4), "ping", "echo before shutdown");
          if (how === "abort") await serving.stop();
          else {
            await multi.aclose();
            await rejects(serving.finished, ClosedResourceError, undefined, "serve() after the listener was closed");
          }
          // The handler's stream was closed by serve: the client sees its end.
          bytesEqual(await receiveAll(client, 0), "", "what the client got after shutdown");
        },
      }),
    ),
    {
      name: "bounded-shutdown-after-some-finished",
      description:
        "of four echo connections, the first and third end before serve() is aborted (handlers leaving out of order): the grace period then closes exactly the two still running, and the handlers' contexts are frozen",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const contexts = new Set<object>();
        const twoEnded = deferred();
        let ended = 0;
        const serving = startServing(
          t,
          multi,
          async (stream, context) => {
            contexts.add(context);
            for await (const chunk of stream) await stream.send(chunk);
            if (++ended === 2) twoEnded.resolve();
          },
          { shutdownGraceMs: 50 },
        );
        const clients: SocketStream[] = [];
        for (let i = 0; i < 4; i++) {
          const client = t.use(await connectTcp(host, port));
          await client.send(utf8(`c${i}`));
          bytesEqual(await receiveExactly(client, 2), `c${i}`, `echo of client ${i}`);
          clients.push(client);
        }
        await clients[0]!.aclose();
        await clients[2]!.aclose();
        await twoEnded.promise;
        await serving.stop();
        equal(ended, 2, "handlers that ended by themselves");
        for (const i of [1, 3]) bytesEqual(await receiveAll(clients[i]!, 0), "", `what client ${i} got after shutdown`);
        for (const context of contexts) ok(Object.isFrozen(context), "the handler context is frozen");
      },
    },
    {
      name: "default-grace-lets-handlers-finish",
      description:
        "a handler that finishes its work after the abort (within the default grace period) is not cut off: its reply reaches the client",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const stopping = deferred();
        const serving = startServing(t, multi, async (stream, { signal }) => {
          const request = await receiveExactly(stream, 4);
          await aborted(signal);
          await stopping.promise;
          await stream.send(request);
        });
        const client = t.use(await connectTcp(host, port));
        await client.send(utf8("last"));
        const stopped = serving.stop();
        stopping.resolve();
        await stopped;
        bytesEqual(await receiveAll(client, 16), "last", "the reply sent during shutdown");
      },
    },
    {
      name: "options-validated",
      description:
        "serve() with a handler that is not a function, a signal that is not an AbortSignal, a non-function onError or a negative shutdownGraceMs rejects with TypeError/RangeError before accepting; the listener stays usable",
      async run(t) {
        const { multi, listener, host, port } = await loopbackListener(t);
        const echo = async () => {};
        await rejects(multi.serve("junk" as never), TypeError, "handler", "a handler that is not a function");
        await rejects(multi.serve(echo, { signal: "junk" as never }), TypeError, "AbortSignal", `signal: "junk"`);
        await rejects(listener.serve(echo, { signal: {} as never }), TypeError, "AbortSignal", "signal: {}");
        await rejects(multi.serve(echo, { onError: 5 as never }), TypeError, "onError", "onError: 5");
        await rejects(multi.serve(echo, { shutdownGraceMs: -1 }), RangeError, "shutdownGraceMs", "shutdownGraceMs: -1");
        await rejects(multi.serve(echo, { shutdownGraceMs: Number.NaN }), RangeError, "shutdownGraceMs", "shutdownGraceMs: NaN");
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
  ],
};
