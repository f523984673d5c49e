// Ported from AnyIO tests/streams/test_memory.py. Each `it` names the AnyIO case it ports.
// AnyIO's task groups become plain promises; `wait_all_tasks_blocked()` becomes `settle()`
// (one macrotask: every pending microtask has run, so every started call is blocked); cancel
// scopes become AbortSignals.
import { describe, expect, it } from "vitest";
import type { ObjectReceiveStream, ObjectSendStream } from "../src/abc/streams.ts";
import { BrokenResourceError, ClosedResourceError, EndOfStream, WouldBlock } from "../src/errors.ts";
import { MemoryObjectReceiveStream, MemoryObjectSendStream, createMemoryObjectStream } from "../src/streams/memory.ts";

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Resolves with the promise's outcome without throwing, to inspect how a call settled. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

describe("createMemoryObjectStream", () => {
  it("test_invalid_max_buffer: a non-integer size is a RangeError", () => {
    expect(() => createMemoryObjectStream(1.5)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(1.5)).toThrow("maxBufferSize must be either an integer or Infinity");
    expect(() => createMemoryObjectStream(Number.NaN)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(-Infinity)).toThrow(RangeError);
  });

  it("test_negative_max_buffer: a negative size is a RangeError", () => {
    expect(() => createMemoryObjectStream(-1)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(-1)).toThrow("maxBufferSize cannot be negative");
  });

  it("accepts 0 (the default) and Infinity", () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 10_000; i++) send.sendNowait(i);
    expect(receive.statistics().maxBufferSize).toBe(Infinity);
    expect(receive.statistics().currentBufferUsed).toBe(10_000);
    const [send0, receive0] = createMemoryObjectStream<number>();
    expect(send0.statistics().maxBufferSize).toBe(0);
    expect(() => send0.sendNowait(1)).toThrow(WouldBlock);
    send.close();
    receive.close();
    send0.close();
    receive0.close();
  });
});

describe("memory object streams", () => {
  it("test_receive_then_send", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    const receiver = (async () => {
      received.push(await receive.receive());
      received.push(await receive.receive());
    })();
    await settle();
    await send.send("hello");
    await send.send("anyio");
    await receiver;
    expect(received).toEqual(["hello", "anyio"]);
    send.close();
    receive.close();
  });

  it("test_receive_then_send_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    const receiver = async () => {
      received.push(await receive.receive());
    };
    const tasks = [receiver(), receiver()];
    await settle();
    send.sendNowait("hello");
    send.sendNowait("anyio");
    await Promise.all(tasks);
    expect(received.sort().reverse()).toEqual(["hello", "anyio"]);
    send.close();
    receive.close();
  });

  it("test_send_then_receive_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const sending = send.send("hello");
    await settle();
    expect(receive.receiveNowait()).toBe("hello");
    await expect(sending).resolves.toBeUndefined();
    send.close();
    receive.close();
  });

  it("test_send_is_unblocked_after_receive_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("hello");
    const sending = send.send("anyio");
    await settle();
    expect(receive.receiveNowait()).toBe("hello");
    // The blocked send must complete by itself now (AnyIO bounds this with fail_after(1); here
    // the test runner's timeout bounds it).
    await expect(sending).resolves.toBeUndefined();
    expect(receive.receiveNowait()).toBe("anyio");
    send.close();
    receive.close();
  });

  it("test_send_nowait_then_receive_nowait", () => {
    const [send, receive] = createMemoryObjectStream<string>(2);
    send.sendNowait("hello");
    send.sendNowait("anyio");
    expect(receive.receiveNowait()).toBe("hello");
    expect(receive.receiveNowait()).toBe("anyio");
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  it("test_iterate", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const received: string[] = [];
    const receiver = (async () => {
      for await (const item of receive) received.push(item);
    })();
    await send.send("hello");
    await send.send("anyio");
    await send.aclose();
    await receiver;
    expect(received).toEqual(["hello", "anyio"]);
    receive.close();
  });

  it("test_receive_send_closed_send_stream", async () => {
    const [send, receive] = createMemoryObjectStream<null>();
    await send.aclose();
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    await expect(receive.receive()).rejects.toBeInstanceOf(EndOfStream);
    await expect(send.send(null)).rejects.toBeInstanceOf(ClosedResourceError);
    receive.close();
  });

  it("test_receive_send_closed_receive_stream", async () => {
    const [send, receive] = createMemoryObjectStream<null>();
    await receive.aclose();
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    await expect(receive.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(send.send(null)).rejects.toBeInstanceOf(BrokenResourceError);
    expect(() => send.sendNowait(null)).toThrow(BrokenResourceError);
    send.close();
  });

  it("test_cancel_receive: an aborted receive leaves the queue", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const controller = new AbortController();
    const receiving = receive.receive({ signal: controller.signal });
    await settle();
    expect(receive.statistics().tasksWaitingReceive).toBe(1);
    const reason = new Error("cancelled");
    controller.abort(reason);
    await expect(receiving).rejects.toBe(reason);
    expect(receive.statistics().tasksWaitingReceive).toBe(0);
    expect(() => send.sendNowait("hello")).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  it("test_cancel_send: an aborted send withdraws its item", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const controller = new AbortController();
    const sending = send.send("hello", { signal: controller.signal });
    await settle();
    expect(send.statistics().tasksWaitingSend).toBe(1);
    controller.abort();
    await expect(sending).rejects.toBe(controller.signal.reason);
    expect(send.statistics().tasksWaitingSend).toBe(0);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  it("test_clone", async () => {
    const [send1, receive1] = createMemoryObjectStream<string>(1);
    const send2 = send1.clone();
    const receive2 = receive1.clone();
    expect(send1.statistics().openSendStreams).toBe(2);
    expect(send1.statistics().openReceiveStreams).toBe(2);
    await send1.aclose();
    await receive1.aclose();
    send2.sendNowait("hello");
    expect(receive2.receiveNowait()).toBe("hello");
    send1.close();
    receive1.close();
    send2.close();
    receive2.close();
    expect(send2.statistics().openSendStreams).toBe(0);
    expect(send2.statistics().openReceiveStreams).toBe(0);
  });

  it("test_clone_closed", async () => {
    const [send, receive] = createMemoryObjectStream<never>(1);
    await send.aclose();
    await receive.aclose();
    expect(() => send.clone()).toThrow(ClosedResourceError);
    expect(() => receive.clone()).toThrow(ClosedResourceError);
  });

  it("test_close_send_while_receiving: the receiver gets EndOfStream", async () => {
    const [send, receive] = createMemoryObjectStream<never>(1);
    const receiving = receive.receive();
    await settle();
    await send.aclose();
    await expect(receiving).rejects.toBeInstanceOf(EndOfStream);
    receive.close();
  });

  it("test_close_receive_while_sending: the sender gets BrokenResourceError", async () => {
    // AnyIO sends None here as a regression test for #731; undefined is the same trap in TS.
    const [send, receive] = createMemoryObjectStream<undefined>(0);
    const sending = send.send(undefined);
    await settle();
    await receive.aclose();
    await expect(sending).rejects.toBeInstanceOf(BrokenResourceError);
    expect(send.statistics().tasksWaitingSend).toBe(0);
    send.close();
  });

  it("test_receive_after_send_closed: buffered items outlive the senders", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await send.send("hello");
    await send.aclose();
    expect(await receive.receive()).toBe("hello");
    await expect(receive.receive()).rejects.toBeInstanceOf(EndOfStream);
    receive.close();
  });

  it("test_receive_when_cancelled: an already-aborted receive takes nothing", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const hello = send.send("hello");
    await settle();
    const world = send.send("world");
    await settle();

    const reason = new Error("cancelled");
    await expect(receive.receive({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

    expect(await receive.receive()).toBe("hello");
    expect(await receive.receive()).toBe("world");
    await Promise.all([hello, world]);
    send.close();
    receive.close();
  });

  it("test_send_when_cancelled: an already-aborted send delivers nothing", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const received: string[] = [];
    const receiver = (async () => {
      received.push(await receive.receive());
    })();
    await expect(send.send("hello", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(DOMException);
    await send.send("world");
    await receiver;
    expect(received).toEqual(["world"]);
    send.close();
    receive.close();
  });

  it("test_cancel_during_receive: an item handed over before the abort is kept", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const controller = new AbortController();
    const receiving = receive.receive({ signal: controller.signal });
    await settle();
    send.sendNowait("hello");
    controller.abort();
    expect(controller.signal.aborted).toBe(true);
    await expect(receiving).resolves.toBe("hello");
    send.close();
    receive.close();
  });

  it("test_cancel_during_receive_buffered: an item is not given to an aborted receiver", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const controller = new AbortController();
    const receiving = outcome(receive.receive({ signal: controller.signal }));
    await settle();
    controller.abort();
    send.sendNowait("item");
    expect((await receiving).error).toBe(controller.signal.reason);
    // Since the item was not sent to the aborted call, it is available here.
    expect(receive.receiveNowait()).toBe("item");
    send.close();
    receive.close();
  });

  it("test_close_receive_after_send", async () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<string>();
    const sender = (async () => {
      await using _ = sendStream;
      await sendStream.send("test");
    })();
    const receiver = (async () => {
      await using _ = receiveStream;
      return await receiveStream.receive();
    })();
    await sender;
    expect(await receiver).toBe("test");
    expect(sendStream.statistics().openSendStreams).toBe(0);
    expect(sendStream.statistics().openReceiveStreams).toBe(0);
  });

  it("test_statistics", async () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<null>(1);
    const streams = [sendStream, receiveStream];
    for (const stream of streams) {
      expect(stream.statistics()).toEqual({
        currentBufferUsed: 0,
        maxBufferSize: 1,
        openSendStreams: 1,
        openReceiveStreams: 1,
        tasksWaitingSend: 0,
        tasksWaitingReceive: 0,
      });
    }

    for (const stream of streams) {
      {
        // tasksWaitingSend
        const tasks: Promise<unknown>[] = [];
        sendStream.sendNowait(null);
        expect(stream.statistics().currentBufferUsed).toBe(1);
        tasks.push(sendStream.send(null));
        await settle();
        expect(stream.statistics().currentBufferUsed).toBe(1);
        expect(stream.statistics().tasksWaitingSend).toBe(1);
        receiveStream.receiveNowait();
        expect(stream.statistics().currentBufferUsed).toBe(1);
        expect(stream.statistics().tasksWaitingSend).toBe(0);
        receiveStream.receiveNowait();
        expect(stream.statistics().currentBufferUsed).toBe(0);

        // tasksWaitingReceive
        tasks.push(receiveStream.receive());
        await settle();
        expect(stream.statistics().tasksWaitingReceive).toBe(1);
        sendStream.sendNowait(null);
        expect(stream.statistics().tasksWaitingReceive).toBe(0);
        await Promise.all(tasks);
      }
      {
        const tasks: Promise<unknown>[] = [];
        sendStream.sendNowait(null);
        expect(stream.statistics().tasksWaitingSend).toBe(0);
        for (let i = 0; i < 3; i++) tasks.push(sendStream.send(null));
        await settle();
        expect(stream.statistics().tasksWaitingSend).toBe(3);
        for (let i = 2; i >= 0; i--) {
          receiveStream.receiveNowait();
          expect(stream.statistics().tasksWaitingSend).toBe(i);
        }
        receiveStream.receiveNowait();
        await Promise.all(tasks);
      }
      expect(stream.statistics().currentBufferUsed).toBe(0);
      expect(stream.statistics().tasksWaitingSend).toBe(0);
      expect(stream.statistics().tasksWaitingReceive).toBe(0);
    }
    sendStream.close();
    receiveStream.close();
  });

  it("test_sync_close: `using` closes both ends synchronously", () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<null>(1);
    {
      using _send = sendStream;
      using _receive = receiveStream;
    }
    expect(() => sendStream.sendNowait(null)).toThrow(ClosedResourceError);
    expect(() => receiveStream.receiveNowait()).toThrow(ClosedResourceError);
  });

  it("test_type_variance: receive ends are covariant, send ends contravariant", async () => {
    // Checked by tsc (the test directory is type-checked): these assignments must compile.
    const [send, receive] = createMemoryObjectStream<number | string>(1);
    const [narrowSend, narrowReceive] = createMemoryObjectStream<number>(1);
    const receive1: ObjectReceiveStream<number | string | boolean> = narrowReceive;
    const send1: ObjectSendStream<number> = send;
    // @ts-expect-error a receiver of strings cannot stand in for a receiver of numbers
    const wrong: MemoryObjectReceiveStream<string> = narrowReceive;
    void wrong;
    await send1.send(42);
    expect(await receive.receive()).toBe(42);
    narrowSend.sendNowait(7);
    expect(await receive1.receive()).toBe(7);
    expect(send).toBeInstanceOf(MemoryObjectSendStream);
    expect(receive).toBeInstanceOf(MemoryObjectReceiveStream);
    for (const stream of [send, receive, narrowSend, narrowReceive]) stream.close();
  });

  // test_deprecated_item_type_parameter: Python's deprecated `item_type=` keyword has no TS
  // counterpart (the item type is a type argument).
  it.skip("test_deprecated_item_type_parameter: no item_type argument in portio (type parameter only)", () => {});

  // test_not_closed_warning: AnyIO warns from __del__; JS has no deterministic finalization to
  // test against (FinalizationRegistry callbacks may never run).
  it.skip("test_not_closed_warning: no deterministic garbage-collection hook in JS", () => {});

  it("test_send_to_natively_cancelled_receiver: the item stays available", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const controller = new AbortController();
    const receiving = receive.receive({ signal: controller.signal });
    await settle(); // the call is waiting to receive
    controller.abort();
    send.sendNowait("hello");
    await expect(receiving).rejects.toBe(controller.signal.reason);
    expect(receive.receiveNowait()).toBe("hello");
    send.close();
    receive.close();
  });

  it("test_send_to_natively_cancelled_receiver (unbuffered): the next receiver in line gets it", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const controller = new AbortController();
    const first = outcome(receive.receive({ signal: controller.signal }));
    const second = receive.receive();
    await settle();
    controller.abort();
    send.sendNowait("hello");
    expect((await first).error).toBe(controller.signal.reason);
    await expect(second).resolves.toBe("hello");
    send.close();
    receive.close();
  });

  // test_memory_object_item_receiver_repr: about the repr() of a private Python helper class that
  // portio does not have.
  it.skip("test_memory_object_item_receiver_repr: Python repr of a private class; nothing to port", () => {});
});

describe("memory object streams: portio additions", () => {
  it("a receive pending on a clone that gets closed rejects with ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const other = receive.clone();
    const receiving = receive.receive();
    await settle();
    receive.close();
    await expect(receiving).rejects.toBeInstanceOf(ClosedResourceError);
    // the other clone still works
    const next = other.receive();
    send.sendNowait("x");
    await expect(next).resolves.toBe("x");
    send.close();
    other.close();
  });

  it("a send pending on a clone that gets closed rejects and withdraws its item", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const other = send.clone();
    const sending = send.send("withdrawn");
    await settle();
    send.close();
    await expect(sending).rejects.toBeInstanceOf(ClosedResourceError);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    other.close();
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    receive.close();
  });

  it("items keep FIFO order between buffered items and waiting senders", async () => {
    const [send, receive] = createMemoryObjectStream<number>(2);
    send.sendNowait(1);
    send.sendNowait(2);
    const pending = [send.send(3), send.send(4)];
    await settle();
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await receive.receive());
    await Promise.all(pending);
    expect(got).toEqual([1, 2, 3, 4]);
    send.close();
    receive.close();
  });

  it("an aborted sender whose item was already taken resolves", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const controller = new AbortController();
    const sending = send.send("taken", { signal: controller.signal });
    await settle();
    expect(receive.receiveNowait()).toBe("taken");
    controller.abort();
    await expect(sending).resolves.toBeUndefined();
    send.close();
    receive.close();
  });

  it("aclose is idempotent and [Symbol.asyncDispose] closes", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    await send.aclose();
    await send.aclose();
    expect(receive.statistics().openSendStreams).toBe(0);
    {
      await using _ = receive;
    }
    expect(send.statistics().openReceiveStreams).toBe(0);
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });

  it("a large unbounded buffer drains in order", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    const n = 50_000;
    for (let i = 0; i < n; i++) send.sendNowait(i);
    send.close();
    let expected = 0;
    for await (const item of receive) {
      if (item !== expected) break;
      expected++;
    }
    expect(expected).toBe(n);
    receive.close();
  });
});
