import { BusyResourceError, ClosedResourceError, EndOfStream, type SocketStream } from "@portio/core";
import { atLeast, atMost, bytesEqual, equal, fail, rejects } from "../assert.ts";
import type { CaseDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { concat, pattern, reversed, text, utf8, viewSlicing } from "../support/bytes.ts";
import { deferred } from "@portio/core/backend";
import { checkChunk, receiveAll, receiveExactly } from "../support/io.ts";
import { sendUntilBlocked } from "../support/stall.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * More than any socket buffers on the way can hold (kernel send + receive buffers are a few MiB
 * at most on loopback), so a `send()` of this much to a peer that does not read stays pending.
 */
const BLOCKING_SEND = 16 * MiB;

/** Opens a connected `[client, server]` pair of the transport under test, closed after the case. */
export type OpenPair = (t: CaseContext) => Promise<[SocketStream, SocketStream]>;

/**
 * The byte-stream behaviour every connected socket stream shares, whatever its transport: the
 * transport-independent cases of AnyIO's TestTCPStream and TestUNIXStream, plus portio's own
 * (cancellation keeps data, backpressure, `await using`, idempotent `aclose()`). The TCP and Unix
 * suites both include them with their own `open`.
 */
export function byteStreamCases(open: OpenPair): CaseDefinition[] {
  return [
    {
      name: "send-receive",
      description: "bytes sent arrive; the reply comes back (AnyIO test_send_receive)",
      async run(t) {
        const [client, server] = await open(t);
        await client.send(utf8("blah"));
        const request = await receiveExactly(server, 4);
        await server.send(reversed(request));
        bytesEqual(await receiveExactly(client, 4), "halb");
      },
    },
    ...[0, -1, 1.5].map(
      (maxBytes): CaseDefinition => ({
        name: `receive-invalid-max-bytes[${maxBytes}]`,
        description: `receive(${maxBytes}) is a RangeError (AnyIO test_receive_invalid_max_bytes)`,
        async run(t) {
          const [client] = await open(t);
          await rejects(() => client.receive(maxBytes), RangeError, "maxBytes must be a positive integer");
        },
      }),
    ),
    {
      name: "receive-large-buffer",
      description: "1 MiB sent by the peer (more than a kernel buffer) arrives intact, in non-empty chunks",
      async run(t) {
        const [client, server] = await open(t);
        const data = pattern(MiB, 1);
        const serverSide = (async () => {
          await server.send(data);
          await server.aclose();
        })();
        bytesEqual(await receiveAll(client, MiB), data, "received data");
        await serverSide;
      },
    },
    {
      name: "send-large-buffer",
      description: "one send() of 1 MiB is delivered completely",
      async run(t) {
        const [client, server] = await open(t);
        const data = pattern(MiB, 2);
        const clientSide = (async () => {
          await client.send(data);
          await client.sendEof();
        })();
        bytesEqual(await receiveAll(server, MiB), data, "received data");
        await clientSide;
      },
    },
    {
      name: "message-sizes-kept",
      description:
        "short and long messages, each arriving on its own, are received intact (by receive() and by receive(1 MiB)), and every chunk received stays unchanged while later ones arrive",
      async run(t) {
        const [client, server] = await open(t);
        // Around the sizes where a backend may switch read buffers (16, 64 and 256 KiB) or copy.
        const sizes = [1, 20 * KiB, 3, 16 * KiB, 200 * KiB, 100, 64 * KiB, 70 * KiB, 5, 300 * KiB, 250 * KiB, 7];
        const messages = sizes.map((size, i) => pattern(size, i + 3));
        const kept: Uint8Array[] = [];
        const serverSide = (async () => {
          for (const message of messages) {
            await server.send(message);
            // The next message is sent only once this one is in: each arrives on its own.
            await receiveExactly(server, 1);
          }
        })();
        for (const [i, message] of messages.entries()) {
          // Every other message with a large maxBytes: chunks longer than 64 KiB, where a backend
          // reads that much at once, are kept too.
          const maxBytes = i % 2 === 0 ? undefined : MiB;
          for (let got = 0; got < message.byteLength; ) {
            const chunk = await client.receive(maxBytes);
            checkChunk(chunk, Math.min(message.byteLength - got, maxBytes ?? 65536));
            kept.push(chunk);
            got += chunk.byteLength;
          }
          await client.send(utf8("k"));
        }
        await serverSide;
        // Compared only now: a chunk that a later read overwrote differs from what was sent.
        bytesEqual(concat(kept), concat(messages), "every chunk as received");
      },
    },
    {
      name: "echo-received-chunks",
      description:
        "small chunks (1 to 100 bytes) sent back as received arrive intact, and each is the reader's own: changing it once echoed does not change later chunks",
      async run(t) {
        const [client, server] = await open(t);
        // Small reads are where a backend may copy into small (on-heap) arrays rather than give
        // out a read buffer; sending such a chunk on must read the bytes it holds.
        const sizes = [1, 2, 16, 63, 64, 65, 100, 7];
        for (const [i, size] of sizes.entries()) {
          const message = pattern(size, i + 20);
          await client.send(message);
          const chunks: Uint8Array[] = [];
          for (let got = 0; got < size; ) {
            const chunk = await server.receive();
            checkChunk(chunk, size - got);
            await server.send(chunk);
            chunks.push(chunk);
            got += chunk.byteLength;
          }
          bytesEqual(await receiveExactly(client, size), message, `echo of ${size} bytes`);
          // Overwritten once the echo is back (send() owns its bytes until then): memory a later
          // read also used would show in the next message.
          for (const chunk of chunks) chunk.fill(0xee);
        }
      },
    },
    {
      name: "send-eof",
      description: "after sendEof() the peer reads to EOF and can still reply (half-close; AnyIO test_send_eof)",
      async run(t) {
        const [client, server] = await open(t);
        await client.send(utf8("hello, "));
        await client.send(utf8("world\n"));
        await client.sendEof();
        await client.sendEof(); // idempotent
        const request = await receiveAll(server, 64);
        bytesEqual(request, "hello, world\n", "request");
        await server.send(reversed(request));
        await server.aclose();
        bytesEqual(await receiveAll(client, 64), "\ndlrow ,olleh", "reply");
      },
    },
    {
      name: "iterate",
      description: "async iteration yields the chunks in order and ends when the peer closes (AnyIO test_iterate)",
      async run(t) {
        const [client, server] = await open(t);
        const firstSeen = deferred();
        const serverSide = (async () => {
          await server.send(utf8("bl"));
          // "ah" only once "bl" has been seen, so the two can never merge into one chunk.
          await firstSeen.promise;
          await server.send(utf8("ah"));
          await server.aclose();
        })();
        const chunks: Uint8Array[] = [];
        let iterations = 0;
        for await (const chunk of client) {
          checkChunk(chunk, 65536);
          chunks.push(chunk);
          if (text(concat(chunks)) === "bl") firstSeen.resolve();
          if (++iterations > 4) fail("more chunks than bytes sent");
        }
        await serverSide;
        bytesEqual(concat(chunks), "blah", "iterated data");
      },
    },
    {
      name: "iterate-leftover-busy-close",
      description:
        "iteration yields bytes a receive() left over first, holds the stream busy while it waits, and a pending next() fails with ClosedResourceError on aclose()",
      async run(t) {
        const [client, server] = await open(t);
        const iterator = client[Symbol.asyncIterator]();
        const leftover: Uint8Array[] = [];
        await server.send(utf8("blah"));
        bytesEqual(await receiveExactly(client, 1), "b", "the first receive");
        while (text(concat(leftover)) !== "lah") {
          const step = await iterator.next();
          if (step.done) fail("iteration ended before the leftover bytes");
          else leftover.push(step.value);
        }
        // The next item waits for a read: a receive() meanwhile is refused, as with two receives.
        const waiting = iterator.next();
        await rejects(client.receive(), BusyResourceError, "already reading from");
        await server.send(utf8("x"));
        const step = await waiting;
        bytesEqual(step.done ? new Uint8Array() : step.value, "x", "the item after the leftover");
        const pending = rejects(iterator.next(), ClosedResourceError);
        await client.aclose();
        await pending;
      },
    },
    {
      name: "end-of-stream-repeats",
      description: "once the peer has closed, every further receive() is EndOfStream",
      async run(t) {
        const [client, server] = await open(t);
        await server.aclose();
        await rejects(client.receive(), EndOfStream);
        await rejects(client.receive(), EndOfStream);
      },
    },
    {
      name: "concurrent-send",
      description:
        "a second send() while one is pending is a BusyResourceError and does not disturb the first (AnyIO test_concurrent_send)",
      async run(t) {
        const [client, server] = await open(t);
        const data = pattern(BLOCKING_SEND, 3);
        const first = client.send(data);
        first.catch(() => {});
        await rejects(client.send(utf8("foo")), BusyResourceError, "already writing to");
        const clientSide = (async () => {
          await first;
          await client.sendEof();
        })();
        bytesEqual(await receiveAll(server, BLOCKING_SEND), data, "data of the first send");
        await clientSide;
      },
    },
    {
      name: "concurrent-small-send",
      description:
        "a second send() in the same turn as a small one the runtime takes at once is still a BusyResourceError: busy does not depend on backpressure, and the next awaited send works",
      async run(t) {
        const [client, server] = await open(t);
        const first = client.send(utf8("ab"));
        first.catch(() => {});
        await rejects(client.send(utf8("zz")), BusyResourceError, "already writing to");
        await first;
        await client.send(utf8("cd"));
        await client.sendEof();
        bytesEqual(await receiveAll(server, 4), "abcd", "the first and the third send, in order");
      },
    },
    {
      name: "concurrent-receive",
      description: "a second receive() while one is pending is a BusyResourceError (AnyIO test_concurrent_receive)",
      async run(t) {
        const [client, server] = await open(t);
        const first = client.receive();
        first.catch(() => {});
        await rejects(client.receive(), BusyResourceError, "already reading from");
        await server.send(utf8("x"));
        bytesEqual(await first, "x", "the first receive");
      },
    },
    {
      name: "close-during-receive",
      description: "aclose() wakes a pending receive() with ClosedResourceError (AnyIO test_close_during_receive)",
      async run(t) {
        const [client] = await open(t);
        const pending = rejects(client.receive(), ClosedResourceError);
        await client.aclose();
        await pending;
      },
    },
    {
      name: "close-during-send",
      description:
        "aclose() wakes a send() blocked on a peer that does not read with ClosedResourceError (AnyIO test_close_during_send)",
      async run(t) {
        const [client] = await open(t);
        const pending = rejects(client.send(pattern(BLOCKING_SEND, 4)), ClosedResourceError);
        await client.aclose();
        await pending;
      },
    },
    {
      name: "close-after-cancelled-io[receive]",
      description: "aclose() after an aborted receive() succeeds, and the peer sees EOF (AnyIO test_close_after_cancelled_io)",
      async run(t) {
        const [client, server] = await open(t);
        const controller = new AbortController();
        const reason = new Error("stop receiving");
        const pending = rejects(server.receive(65536, { signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the aborted receive's error");
        await server.aclose();
        bytesEqual(await receiveAll(client, 0), "", "what the client received");
      },
    },
    {
      name: "close-after-cancelled-io[send]",
      description:
        "aclose() after an aborted, blocked send() succeeds; the bytes that send handed over are still flushed (AnyIO test_close_after_cancelled_io)",
      async run(t) {
        const [client, server] = await open(t);
        const data = pattern(BLOCKING_SEND, 5);
        const controller = new AbortController();
        const reason = new Error("stop sending");
        const pending = rejects(server.send(data, { signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the aborted send's error");
        const received = receiveAll(client, BLOCKING_SEND);
        await server.aclose();
        bytesEqual(await received, data, "what the client received");
      },
    },
    {
      name: "receive-after-close",
      description: "receive() after aclose() is a ClosedResourceError (AnyIO test_receive_after_close)",
      async run(t) {
        const [client] = await open(t);
        await client.aclose();
        await rejects(client.receive(), ClosedResourceError);
      },
    },
    {
      name: "send-after-close",
      description: "send() after aclose() is a ClosedResourceError (AnyIO test_send_after_close)",
      async run(t) {
        const [client] = await open(t);
        await client.aclose();
        await rejects(client.send(utf8("foo")), ClosedResourceError);
      },
    },
    {
      name: "receive-max-bytes",
      description: "receive(maxBytes) returns at most maxBytes and keeps the rest for the next receive()",
      async run(t) {
        const [client, server] = await open(t);
        await server.send(utf8("hello world"));
        const head = await client.receive(3);
        checkChunk(head, 3);
        const rest = await receiveExactly(client, 11 - head.byteLength);
        bytesEqual(concat([head, rest]), "hello world");
      },
    },
    ...[64, 64 * KiB].flatMap((size) =>
      [false, true].map(
        (bufferLike): CaseDefinition => ({
          name: `send-buffer-reuse[${size}${bufferLike ? ",view-slicing" : ""}]`,
          description: `a ${size} B buffer${bufferLike ? " whose slice() is a view (as a Node Buffer's is)" : ""} may be overwritten once send() resolves, and a received chunk stays the reader's while more arrives`,
          async run(t) {
            const [client, server] = await open(t);
            const buffer = bufferLike ? viewSlicing(pattern(size, 3)) : pattern(size, 3);
            const sent = pattern(size, 3);
            await client.send(buffer);
            // Reused at once, as a sender's scratch buffer is: the bytes already sent must not change.
            buffer.fill(0xee);
            await client.send(buffer);
            const first = await server.receive(size);
            checkChunk(first, size);
            const kept = new Uint8Array(first);
            const rest = await receiveExactly(server, 2 * size - first.byteLength);
            bytesEqual(first, kept, "the first chunk after later receives");
            bytesEqual(concat([first, rest]), concat([sent, buffer]), "received bytes");
          },
        }),
      ),
    ),
    {
      name: "cancel-keeps-data[pending]",
      description:
        "a receive() aborted while waiting rejects with the signal's reason, and bytes arriving afterwards go to the next receive()",
      async run(t) {
        const [client, server] = await open(t);
        const controller = new AbortController();
        const reason = new Error("give up");
        const pending = rejects(client.receive(65536, { signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the aborted receive's error");
        await server.send(utf8("hello"));
        bytesEqual(await receiveExactly(client, 5), "hello", "the next receive");
      },
    },
    {
      name: "cancel-keeps-data[already-aborted]",
      description: "a receive() with an already aborted signal rejects with its reason and consumes nothing",
      async run(t) {
        const [client, server] = await open(t);
        await server.send(utf8("hello"));
        const reason = new Error("aborted before the call");
        equal(await rejects(client.receive(65536, { signal: AbortSignal.abort(reason) }), Error), reason, "error");
        bytesEqual(await receiveExactly(client, 5), "hello", "the next receive");
      },
    },
    {
      name: "cancel-send-keeps-order",
      description:
        "a send() aborted while blocked rejects with the signal's reason; its bytes still arrive whole, before those of the next send()",
      async run(t) {
        const [client, server] = await open(t);
        const data = pattern(BLOCKING_SEND, 6);
        const controller = new AbortController();
        const reason = new Error("stop sending");
        const pending = rejects(client.send(data, { signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the aborted send's error");
        const clientSide = (async () => {
          await client.send(utf8("tail"));
          await client.sendEof();
        })();
        bytesEqual(await receiveAll(server, BLOCKING_SEND + 4), concat([data, utf8("tail")]), "received data");
        await clientSide;
      },
    },
    {
      name: "send-aborted-before-start",
      description: "a send() with an already aborted signal rejects with its reason and sends nothing",
      async run(t) {
        const [client, server] = await open(t);
        const reason = new Error("aborted before the call");
        equal(await rejects(client.send(utf8("lost"), { signal: AbortSignal.abort(reason) }), Error), reason, "error");
        await client.send(utf8("ok"));
        await client.sendEof();
        bytesEqual(await receiveAll(server, 64), "ok", "received data");
      },
    },
    {
      name: "backpressure",
      description:
        "64 KiB sends to a peer that does not read stop resolving well before 64 MiB; the reader then gets every byte in order",
      async run(t) {
        const [client, server] = await open(t);
        const [ping, pong] = await open(t);
        const chunkSize = 64 * KiB;
        const maxChunks = 1024; // 64 MiB
        const { resolvedWhileBlocked, sent, done } = await sendUntilBlocked(client, ping, pong, {
          chunkSize,
          maxChunks,
          end: () => client.sendEof(),
        });
        atLeast(resolvedWhileBlocked, 1, "sends that resolved before the peer read anything");
        atMost(
          resolvedWhileBlocked * chunkSize,
          32 * MiB,
          "bytes accepted by send() while the peer read nothing (send must wait for the runtime's buffer to drain)",
        );
        const received = await receiveAll(server, maxChunks * chunkSize);
        await done;
        bytesEqual(received, concat(sent), "received data");
      },
    },
    {
      name: "await-using",
      description: "`await using` closes the stream at the end of the block; the peer sees EOF",
      async run(t) {
        const [client, server] = await open(t);
        {
          await using stream = client;
          await stream.send(utf8("bye"));
        }
        await rejects(client.receive(), ClosedResourceError);
        bytesEqual(await receiveAll(server, 64), "bye", "what the peer received");
      },
    },
    {
      name: "aclose-idempotent",
      description: "aclose() may be called again, also concurrently; it resolves every time",
      async run(t) {
        const [client, server] = await open(t);
        await Promise.all([client.aclose(), client.aclose()]);
        await client.aclose();
        await rejects(client.send(utf8("x")), ClosedResourceError);
        await rejects(server.receive(), EndOfStream);
      },
    },
  ];
}
