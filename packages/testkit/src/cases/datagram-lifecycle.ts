import { BusyResourceError, ClosedResourceError, type CallOptions } from "@portio/core";
import { bytesEqual, equal, rejects } from "../assert.ts";
import type { CaseDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { pattern, utf8, viewSlicing } from "../support/bytes.ts";

/**
 * One datagram socket under test, with a way to reach it. The four datagram suites (UDP,
 * connected UDP, Unix datagram, connected Unix datagram) each describe theirs this way and share
 * the cases below.
 */
export interface DatagramFixture {
  /** The socket under test (closed after the case). */
  socket: {
    receive(options?: CallOptions): Promise<unknown>;
    aclose(): Promise<void>;
  };
  /** Sends `data` to the socket under test from another socket. */
  deliver(data: Uint8Array): Promise<void>;
  /** One send from the socket under test (to anyone who will take it). */
  sendFromSocket(data: Uint8Array): Promise<void>;
  /** The bytes of what `socket.receive()` resolved with (`[data, address]` or bare `data`). */
  payload(received: unknown): Uint8Array;
}

/** Opens a {@link DatagramFixture}; everything in it is closed after the case. */
export type OpenDatagramFixture = (t: CaseContext) => Promise<DatagramFixture>;

/**
 * What every datagram socket shares, whatever its kind: one receive at a time, `aclose()` wakes a
 * pending receive and refuses later calls (AnyIO's test_concurrent_receive,
 * test_close_during_receive, test_receive_after_close, test_send_after_close), and portio's
 * cancellation rule: an aborted receive loses no datagram.
 */
export function datagramLifecycleCases(open: OpenDatagramFixture, suffix = ""): CaseDefinition[] {
  return [
    {
      name: `concurrent-receive${suffix}`,
      description:
        'a second receive() while one is pending is BusyResourceError "Another task is already reading from this resource" (AnyIO test_concurrent_receive)',
      async run(t) {
        const { socket } = await open(t);
        // Observed at once: the later aclose() rejects it.
        const first = rejects(socket.receive(), ClosedResourceError, undefined, "the first receive, woken by aclose()");
        await rejects(socket.receive(), BusyResourceError, "Another task is already reading from this resource");
        await socket.aclose();
        await first;
      },
    },
    {
      name: `close-during-receive${suffix}`,
      description: "aclose() wakes a pending receive() with ClosedResourceError (AnyIO test_close_during_receive)",
      async run(t) {
        const { socket } = await open(t);
        const pending = rejects(socket.receive(), ClosedResourceError);
        await socket.aclose();
        await pending;
      },
    },
    {
      name: `receive-after-close${suffix}`,
      description:
        "receive() after aclose() (called twice: it is idempotent) is ClosedResourceError (AnyIO test_receive_after_close)",
      async run(t) {
        const { socket } = await open(t);
        await socket.aclose();
        await socket.aclose();
        await rejects(socket.receive(), ClosedResourceError);
      },
    },
    {
      name: `send-after-close${suffix}`,
      description: "a send after aclose() is ClosedResourceError (AnyIO test_send_after_close)",
      async run(t) {
        const fixture = await open(t);
        await fixture.socket.aclose();
        await rejects(fixture.sendFromSocket(utf8("foo")), ClosedResourceError);
      },
    },
    {
      name: `cancelled-receive-keeps-datagram${suffix}`,
      description:
        "a receive() aborted before anything arrived rejects with the signal's reason, and the next datagram goes to the next receive()",
      async run(t) {
        const fixture = await open(t);
        const controller = new AbortController();
        const cancelled = fixture.socket.receive({ signal: controller.signal });
        const reason = new Error("cancelled by the case");
        controller.abort(reason);
        const error = await rejects(cancelled, Error);
        equal(error, reason, "the rejection is the signal's reason itself");
        await fixture.deliver(utf8("kept"));
        bytesEqual(fixture.payload(await fixture.socket.receive()), "kept", "the datagram after the cancelled receive");
      },
    },
    {
      name: `aborted-signal-keeps-datagram${suffix}`,
      description:
        "receive() with an already aborted signal rejects with its reason and leaves an arrived datagram for the next receive()",
      async run(t) {
        const fixture = await open(t);
        await fixture.deliver(utf8("one"));
        await fixture.deliver(utf8("two"));
        // The first receive proves "one" has arrived, so "two" is there or on its way.
        bytesEqual(fixture.payload(await fixture.socket.receive()), "one", "first datagram");
        const reason = new Error("already aborted");
        const error = await rejects(fixture.socket.receive({ signal: AbortSignal.abort(reason) }), Error);
        equal(error, reason, "the rejection is the signal's reason itself");
        bytesEqual(fixture.payload(await fixture.socket.receive()), "two", "the datagram the aborted receive left");
      },
    },
    ...[false, true].map(
      (bufferLike): CaseDefinition => ({
        name: `send-buffer-reuse${bufferLike ? "[view-slicing]" : ""}${suffix}`,
        description: `a datagram's buffer${bufferLike ? " (one whose slice() is a view, as a Node Buffer's is)" : ""} may be overwritten once its send resolves: the datagram sent keeps its bytes`,
        async run(t) {
          const fixture = await open(t);
          const buffer = bufferLike ? viewSlicing(pattern(512, 5)) : pattern(512, 5);
          await fixture.deliver(buffer);
          // Reused at once, as a sender's scratch buffer is.
          buffer.fill(0xee);
          await fixture.deliver(buffer);
          bytesEqual(fixture.payload(await fixture.socket.receive()), pattern(512, 5), "first datagram");
          bytesEqual(fixture.payload(await fixture.socket.receive()), new Uint8Array(512).fill(0xee), "second datagram");
        },
      }),
    ),
  ];
}
