import {
  BufferedByteReceiveStream,
  ClosedResourceError,
  ConnectedUNIXDatagramSocket,
  EndOfStream,
  SocketAttribute,
  TypedAttributeLookupError,
  UNIXSocketStream,
  socketpair,
  type AsyncResource,
} from "@portio/core";
import { bytesEqual, equal, instanceOf, ok, rejects, throws } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { concat, pattern, reversed, text, utf8 } from "../support/bytes.ts";
import { checkReceiveLoopLetsTimersRun, receiveAll } from "../support/io.ts";

const MiB = 1024 * 1024;

/** Both ends closed after the case. */
function usePair<T extends AsyncResource>(t: CaseContext, pair: [T, T]): [T, T] {
  return [t.use(pair[0]), t.use(pair[1])];
}

/** Checks that `fd` is closed, when the harness can tell. */
async function checkReleased(t: CaseContext, fd: number | undefined): Promise<void> {
  if (fd === undefined || t.harness.rawSockets === undefined) return;
  equal(await t.harness.rawSockets.isOpen(fd), false, `fd ${fd} open after aclose() resolved`);
}

/** portio's socketpair(): a connected pair of Unix sockets, stream or datagram, for IPC and tests. */
export const socketpairSuite: SuiteDefinition = {
  suite: "socketpair",
  cases: [
    {
      name: "stream-attributes",
      description:
        'socketpair() defaults to "stream": two UNIXSocketStreams, family "unix", unnamed ("") on both sides, no ports',
      async run(t) {
        const [a, b] = usePair(t, await socketpair());
        for (const [side, end] of [
          ["first", a],
          ["second", b],
        ] as const) {
          instanceOf(end, UNIXSocketStream, `${side} end`);
          equal(end.extra(SocketAttribute.family), "unix", `${side} family`);
          equal(end.extra(SocketAttribute.localAddress), "", `${side} localAddress`);
          equal(end.extra(SocketAttribute.remoteAddress), "", `${side} remoteAddress`);
          throws(() => end.extra(SocketAttribute.localPort), TypedAttributeLookupError);
        }
      },
    },
    {
      name: "stream-echo",
      description: "bytes go both ways between the two stream ends",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        await a.send(utf8("ping"));
        bytesEqual(await b.receive(), "ping", "a → b");
        await b.send(utf8("pong"));
        bytesEqual(await a.receive(), "pong", "b → a");
      },
    },
    {
      name: "stream-receive-loop-lets-timers-run",
      description:
        "a receive loop whose every receive finds bytes already there still lets timers run: a timer due before the loop fires before it ends (8 KiB sent, received with receive(1): answered by the libc transports without waiting, or by core from a chunk it holds; either must yield to the event loop now and then)",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        await a.send(pattern(8192));
        await checkReceiveLoopLetsTimersRun(8192, async () => (await b.receive(1)).length);
      },
    },
    {
      name: "stream-receive-loop-abort-keeps-bytes",
      description:
        "a receive(1) loop whose signal a due timer aborts mid-loop (while the loop lets the event loop turn) loses no byte: the aborted receive rejects with the reason, and the bytes come out in order afterwards",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        const payload = pattern(8192, 7);
        await a.send(payload);
        const received = [await b.receive(1)];
        const controller = new AbortController();
        const reason = new Error("stop");
        const timer = setTimeout(() => controller.abort(reason), 0);
        let total = 1;
        let aborted = false;
        try {
          const due = performance.now() + 2; // the timer is due before the loop starts
          while (performance.now() < due) {
            // Nothing: see checkReceiveLoopLetsTimersRun.
          }
          for (let round = 0; round < payload.length && total < payload.length; round++) {
            let chunk: Uint8Array;
            try {
              chunk = await b.receive(1, aborted ? undefined : { signal: controller.signal });
            } catch (error) {
              equal(error, reason, "the aborted receive's rejection");
              aborted = true;
              continue;
            }
            received.push(chunk);
            total += chunk.length;
          }
        } finally {
          clearTimeout(timer);
        }
        ok(aborted, "the due timer never aborted a receive of the loop");
        bytesEqual(concat(received), payload, "the bytes, in order");
      },
    },
    {
      name: "buffered-receive-loops-let-timers-run",
      description:
        "BufferedByteReceiveStream's receive, receiveExactly and receiveUntil answered from its buffer let timers run too: 8 KiB received one byte (or one 2-byte line) at a time, a timer due before each loop fires before it ends",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        const buffered = new BufferedByteReceiveStream(b);
        await a.send(pattern(8192));
        await checkReceiveLoopLetsTimersRun(8192, async () => (await buffered.receive(1)).length);
        await a.send(pattern(8192));
        await checkReceiveLoopLetsTimersRun(8192, async () => (await buffered.receiveExactly(1)).length);
        await a.send(utf8("x\n".repeat(4096)));
        await checkReceiveLoopLetsTimersRun(8192, async () => {
          bytesEqual(await buffered.receiveUntil("\n", 16), "x", "line");
          return 2;
        });
      },
    },
    {
      name: "stream-half-close",
      description:
        "sendEof() closes one direction only: the peer reads to EndOfStream and its reply still arrives (AnyIO test_send_eof)",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        await a.send(utf8("hello, "));
        await a.send(utf8("world\n"));
        await a.sendEof();
        const request = await receiveAll(b, 64);
        bytesEqual(request, "hello, world\n", "request");
        await b.send(reversed(request));
        await b.sendEof();
        bytesEqual(await receiveAll(a, 64), "\ndlrow ,olleh", "reply");
        await rejects(a.receive(), EndOfStream);
      },
    },
    {
      name: "stream-1mib",
      description: "1 MiB in one send() arrives intact",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        const payload = pattern(MiB, 5);
        const [, received] = await Promise.all([
          (async () => {
            await a.send(payload);
            await a.sendEof();
          })(),
          receiveAll(b, MiB),
        ]);
        bytesEqual(received, payload, "received");
      },
    },
    {
      name: "stream-aclose",
      description:
        "aclose() releases the fd before it resolves; the peer then sees EndOfStream; receive() after it is ClosedResourceError",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("stream"));
        const fd = a.extra(SocketAttribute.fd, undefined);
        const peerSeesEnd = rejects(b.receive(), EndOfStream);
        await a.aclose();
        await checkReleased(t, fd);
        await peerSeesEnd;
        await rejects(a.receive(), ClosedResourceError);
      },
    },
    {
      name: "dgram-attributes",
      description: 'socketpair("dgram"): two ConnectedUNIXDatagramSockets, family "unix", unnamed ("") on both sides, no ports',
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        for (const [side, end] of [
          ["first", a],
          ["second", b],
        ] as const) {
          instanceOf(end, ConnectedUNIXDatagramSocket, `${side} end`);
          equal(end.extra(SocketAttribute.family), "unix", `${side} family`);
          equal(end.extra(SocketAttribute.localAddress), "", `${side} localAddress`);
          equal(end.extra(SocketAttribute.remoteAddress), "", `${side} remoteAddress`);
          throws(() => end.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
        }
      },
    },
    {
      name: "dgram-boundaries",
      description: "datagrams keep their boundaries and order, an empty one and a 60,000-byte one included, both ways",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        const messages = [utf8("one"), new Uint8Array(0), utf8("three"), pattern(60_000, 3)];
        for (const message of messages) await a.send(message);
        for (const [index, message] of messages.entries()) bytesEqual(await b.receive(), message, `datagram ${index}`);
        await b.send(utf8("back"));
        bytesEqual(await a.receive(), "back", "b → a");
      },
    },
    {
      name: "dgram-copies",
      description: "each received datagram is its own copy: receiving the next one does not change it",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        const first = pattern(1000, 1);
        await a.send(first);
        await a.send(pattern(1000, 2));
        const got = await b.receive();
        bytesEqual(await b.receive(), pattern(1000, 2), "second datagram");
        bytesEqual(got, first, "first datagram, after the second was received");
      },
    },
    {
      name: "dgram-wait-and-iterate",
      description: "a receive() started before the datagram resolves with it; for await over one end echoes",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        const pending = b.receive();
        await a.send(utf8("late"));
        bytesEqual(await pending, "late", "the awaited datagram");
        const echoing = (async () => {
          for await (const packet of b) await b.send(reversed(packet));
        })();
        t.defer(() => echoing.catch(() => {}));
        for (const word of ["abc", "portio"]) {
          await a.send(utf8(word));
          equal(text(await a.receive()), [...word].reverse().join(""), `echo of ${word}`);
        }
        await b.aclose();
        await echoing;
      },
    },
    {
      name: "dgram-aclose",
      description:
        "aclose() releases the fd before it resolves and wakes a pending receive with ClosedResourceError; the survivor's sends then fail",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        const fd = a.extra(SocketAttribute.fd, undefined);
        const pending = rejects(a.receive(), ClosedResourceError);
        await a.aclose();
        await checkReleased(t, fd);
        await pending;
        // Nobody is connected at the other end any more (ECONNREFUSED or EPIPE from the kernel).
        await rejects(b.send(utf8("anyone?")), Error);
      },
    },
    {
      name: "dgram-backpressure",
      description: "a sender faster than its receiver is held back, and all 5,000 datagrams arrive in order",
      async run(t) {
        const [a, b] = usePair(t, await socketpair("dgram"));
        const count = 5_000;
        const sending = (async () => {
          for (let i = 0; i < count; i++) {
            const datagram = new Uint8Array(512);
            new DataView(datagram.buffer).setUint32(0, i);
            await a.send(datagram);
          }
        })();
        t.defer(() => sending.catch(() => {}));
        for (let i = 0; i < count; i++) {
          const received = await b.receive();
          equal(received.byteLength, 512, `length of datagram ${i}`);
          equal(
            new DataView(received.buffer, received.byteOffset).getUint32(0),
            i,
            "sequence number (lost or reordered datagram)",
          );
        }
        await sending;
      },
    },
  ],
};
