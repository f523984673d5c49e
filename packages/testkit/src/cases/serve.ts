import { ClosedResourceError, EndOfStream, SocketAttribute, connectTcp, type SocketStream } from "@portio/core";
import { bytesEqual, equal, ok, rejects } from "../assert.js";
import type { SuiteDefinition } from "../case.js";
import { utf8 } from "../support/bytes.js";
import { deferred } from "../support/deferred.js";
import { exchange, receiveAll, receiveExactly } from "../support/io.js";
import { startServing } from "../support/serving.js";
import { loopbackListener } from "../support/tcp.js";

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
  ],
};
