import { EndOfStream, fromWebStreams, toWebStreams, type ByteStream } from "@portio/core";
import { bytesEqual, equal, ok, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { concat, pattern, utf8 } from "../support/bytes.ts";
import { exchange, receiveAll, receiveExactly } from "../support/io.ts";
import { tcpPair } from "../support/tcp.ts";
import { tlsPair } from "../support/tls.ts";

const MiB = 1024 * 1024;

/** Lets pending reactions and I/O callbacks run (a few macrotasks); nothing is timed. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** toWebStreams / fromWebStreams over real sockets: backpressure, cancellation, round trips. */
export const webStreamsSuite: SuiteDefinition = {
  suite: "web-streams",
  cases: [
    {
      name: "pipe-to-echo",
      description:
        "a TCP stream's readable piped into its own writable (pipeTo) echoes 1 MiB intact; the peer's EOF ends the pipe, which sends EOF back",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const { readable, writable } = toWebStreams(server);
        const piping = readable.pipeTo(writable);
        const data = pattern(MiB, 5);
        const [echoed] = await Promise.all([
          receiveAll(client, MiB),
          (async () => {
            await client.send(data);
            await client.sendEof();
          })(),
        ]);
        bytesEqual(echoed, data, "echoed data");
        await piping;
        await rejects(client.receive(), EndOfStream, undefined, "the pipe's close() sent EOF");
      },
    },
    {
      name: "readable-pulls-only-on-demand",
      description:
        "toWebStreams' readable receives only when its reader asks (backpressure: unread data stays with the portio stream and the kernel), one receive per read()",
      async run(t) {
        const [client, server] = await tcpPair(t);
        let receives = 0;
        const counted: ByteStream = {
          receive: (maxBytes, options) => {
            receives++;
            return server.receive(maxBytes, options);
          },
          send: (data, options) => server.send(data, options),
          sendEof: () => server.sendEof(),
          aclose: () => server.aclose(),
          [Symbol.asyncDispose]: () => server.aclose(),
          [Symbol.asyncIterator]: () => server[Symbol.asyncIterator](),
          extraAttributes: server.extraAttributes,
          extra: server.extra.bind(server) as ByteStream["extra"],
        };
        await client.send(utf8("first"));
        await client.send(utf8("second"));
        const reader = toWebStreams(counted).readable.getReader();
        await settle();
        equal(receives, 0, "no receive before the first read()");
        ok(((await reader.read()).value?.byteLength ?? 0) > 0, "the first read() gets bytes");
        await settle();
        equal(receives, 1, "one read(), one receive: nothing is read ahead");
        reader.releaseLock();
      },
    },
    {
      name: "writable-backpressure",
      description:
        "toWebStreams' writable takes the next chunk only once send() resolved: while a 16 MiB write waits for the peer, desiredSize is 0; then it is 1 again",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const writer = toWebStreams(client).writable.getWriter();
        equal(writer.desiredSize, 1, "room for one chunk");
        const big = pattern(16 * MiB, 9);
        const writing = writer.write(big);
        equal(writer.desiredSize, 0, "full while the send is pending");
        bytesEqual(await receiveExactly(server, big.byteLength), big, "received");
        await writing;
        equal(writer.desiredSize, 1, "room again once the send resolved");
        writer.releaseLock();
      },
    },
    {
      name: "cancel-keeps-data",
      description:
        "cancelling toWebStreams' readable during a pending read aborts the receive without losing data: the portio stream's next receive() gets the bytes",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const reader = toWebStreams(server).readable.getReader();
        const read = reader.read();
        await settle();
        await reader.cancel();
        equal((await read).done, true, "the pending read ends with the cancel");
        await client.send(utf8("kept"));
        bytesEqual(await receiveExactly(server, 4), "kept", "the bytes are still in the portio stream");
      },
    },
    {
      name: "pipe-abort-keeps-data",
      description:
        "a pipeTo aborted by its signal stops without losing what it did not deliver: the bytes sent after the abort arrive through the portio stream",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const received: Uint8Array[] = [];
        const sink = new WritableStream<Uint8Array>({ write: (chunk) => void received.push(chunk) });
        const stop = new AbortController();
        const piping = toWebStreams(server)
          .readable.pipeTo(sink, { signal: stop.signal })
          .catch((error: unknown) => error);
        await client.send(utf8("one"));
        while (received.length === 0) await settle();
        stop.abort();
        await piping;
        await client.send(utf8("two"));
        bytesEqual(concat(received), "one", "what the pipe delivered");
        bytesEqual(await receiveExactly(server, 3), "two", "the rest is still in the portio stream");
      },
    },
    {
      name: "from-web-streams",
      description:
        "fromWebStreams over a TransformStream: receive(maxBytes) splits chunks, an aborted receive keeps its chunk, sendEof ends the readable side with EndOfStream",
      async run(t) {
        // Room for a few chunks on the readable side, so that a send() need not wait for a receive().
        const loop = new TransformStream<Uint8Array, Uint8Array>(undefined, undefined, { highWaterMark: 4 });
        const stream = t.use(fromWebStreams({ readable: loop.readable, writable: loop.writable }));
        await stream.send(utf8("hello world"));
        bytesEqual(await stream.receive(5), "hello", "first 5 bytes");
        bytesEqual(await stream.receive(), " world", "the rest of the chunk");
        const stop = new AbortController();
        const pending = stream.receive(100, { signal: stop.signal });
        stop.abort(new Error("stop"));
        await rejects(pending, Error, "stop");
        await stream.send(utf8("kept"));
        bytesEqual(await stream.receive(), "kept", "the next receive gets the chunk");
        await stream.sendEof();
        await rejects(stream.receive(), EndOfStream);
      },
    },
    {
      name: "round-trip-tls",
      description:
        "fromWebStreams(toWebStreams(tls)) is a byte stream again: bytes go both ways through a TLS session; aclose() closes the session",
      async run(t) {
        const [client, server] = await tlsPair(t);
        const again = t.use(fromWebStreams(toWebStreams(client)));
        await exchange(again, server);
        await again.aclose();
        // The writable's close() ended the TLS session (it cannot half-close): close_notify.
        await rejects(server.receive(), EndOfStream, undefined, "the server sees the session end");
      },
    },
  ],
};
