import { describe, expect, it } from "vitest";
import { DatagramQueue } from "../src/backend/index.ts";
import { DATAGRAM_IMMEDIATE_BUDGET } from "../src/internal/turns.ts";

const datagram = (i: number): Uint8Array => new Uint8Array([i]);

/** Whether `promise` settles within `ticks` microtask ticks (nothing else can make it settle). */
async function settlesOnMicrotasks(promise: Promise<unknown>, ticks = 50): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < ticks && !settled; i++) await Promise.resolve();
  return settled;
}

describe("DatagramQueue.take (a transport's synchronous tryReceive)", () => {
  it("hands queued datagrams out in order, with their senders, and undefined when empty", async () => {
    const queue = new DatagramQueue();
    expect(queue.take()).toBeUndefined();
    queue.push(datagram(1), ["127.0.0.1", 1]);
    queue.push(datagram(2), "/tmp/peer");
    expect(queue.take()).toEqual([datagram(1), ["127.0.0.1", 1]]);
    expect(queue.size).toBe(1);
    expect(await queue.shift()).toEqual([datagram(2), "/tmp/peer"]);
    expect(queue.take()).toBeUndefined();
  });

  it("refuses the answer that is due to yield, which shift() gives after an event-loop turn, and counts from zero again", async () => {
    const queue = new DatagramQueue();
    const total = DATAGRAM_IMMEDIATE_BUDGET + 8;
    for (let i = 0; i < total; i++) queue.push(datagram(i), ["127.0.0.1", 9]);
    // A shift() that had to wait starts the count: every answer after it is one "in a row".
    let next = 0;
    for (; next < DATAGRAM_IMMEDIATE_BUDGET - 1; next++) expect(queue.take()?.[0]).toEqual(datagram(next));
    expect(queue.take()).toBeUndefined();
    expect(queue.size).toBe(total - next);
    const yielded = queue.shift();
    expect(await settlesOnMicrotasks(yielded)).toBe(false);
    expect((await yielded)[0]).toEqual(datagram(next++));
    expect(queue.take()?.[0]).toEqual(datagram(next++));
  });

  it("mixes with shift() in one count: the budget holds whichever of the two answers", async () => {
    const queue = new DatagramQueue();
    for (let i = 0; i < DATAGRAM_IMMEDIATE_BUDGET; i++) queue.push(datagram(i), ["127.0.0.1", 9]);
    let answered = 0;
    for (; answered < DATAGRAM_IMMEDIATE_BUDGET - 1; answered++) {
      const item = answered % 2 === 0 ? queue.take() : await queue.shift();
      expect(item?.[0]).toEqual(datagram(answered));
    }
    expect(queue.take()).toBeUndefined();
    expect(await settlesOnMicrotasks(queue.shift())).toBe(false);
  });

  it("still hands out what was queued before a failure, then undefined; shift() then rejects", async () => {
    const queue = new DatagramQueue();
    queue.push(datagram(1), ["127.0.0.1", 1]);
    const failure = new Error("closed");
    queue.fail(failure);
    queue.push(datagram(2), ["127.0.0.1", 1]); // after the failure: not queued
    expect(queue.take()?.[0]).toEqual(datagram(1));
    expect(queue.take()).toBeUndefined();
    await expect(queue.shift()).rejects.toBe(failure);
  });
});

describe("DatagramQueue.shiftTo (a transport's receiveWithCallback)", () => {
  /** shiftTo() as a promise, with a flag saying whether a callback ran before shiftTo returned. */
  function shiftTo(queue: DatagramQueue): { result: Promise<unknown>; calledSynchronously: boolean } {
    let calledSynchronously = false;
    let returned = false;
    const result = new Promise((resolve, reject) => {
      queue.shiftTo(
        (datagram) => {
          calledSynchronously ||= !returned;
          resolve(datagram);
        },
        (error) => {
          calledSynchronously ||= !returned;
          reject(error);
        },
      );
    });
    returned = true;
    return {
      result,
      get calledSynchronously() {
        return calledSynchronously;
      },
    };
  }

  it("waits for the next push, which it gets (not the queue), then counts immediate answers from zero", async () => {
    const queue = new DatagramQueue();
    const waiting = shiftTo(queue);
    queue.push(datagram(1), ["127.0.0.1", 1]);
    queue.push(datagram(2), ["127.0.0.1", 1]);
    expect(await waiting.result).toEqual([datagram(1), ["127.0.0.1", 1]]);
    expect(waiting.calledSynchronously).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.take()?.[0]).toEqual(datagram(2));
  });

  it("answers from the queue, never synchronously, and takes the budget's turn like shift()", async () => {
    const queue = new DatagramQueue();
    for (let i = 0; i < DATAGRAM_IMMEDIATE_BUDGET; i++) queue.push(datagram(i), ["127.0.0.1", 9]);
    for (let i = 0; i < DATAGRAM_IMMEDIATE_BUDGET - 1; i++) {
      const answer = shiftTo(queue);
      expect(((await answer.result) as [Uint8Array])[0]).toEqual(datagram(i));
      expect(answer.calledSynchronously).toBe(false);
    }
    const due = shiftTo(queue);
    expect(await settlesOnMicrotasks(due.result)).toBe(false);
    expect(((await due.result) as [Uint8Array])[0]).toEqual(datagram(DATAGRAM_IMMEDIATE_BUDGET - 1));
  });

  it("a failure rejects the waiting callback, and every later one once the queue is empty", async () => {
    const queue = new DatagramQueue();
    const waiting = shiftTo(queue);
    const failure = new Error("closed");
    queue.fail(failure);
    await expect(waiting.result).rejects.toBe(failure);
    await expect(shiftTo(queue).result).rejects.toBe(failure);
  });
});

describe("DatagramQueue.pushFrom (push-style IP transports)", () => {
  it("hands out one frozen [host, port] tuple while the sender stays the same, and a new one when host or port changes", () => {
    const queue = new DatagramQueue();
    const data = new Uint8Array([1]);
    queue.pushFrom(data, "127.0.0.1", 5000);
    queue.pushFrom(data, "127.0.0.1", 5000);
    queue.pushFrom(data, "127.0.0.1", 5001);
    queue.pushFrom(data, "127.0.0.2", 5001);
    const senders = Array.from({ length: 4 }, () => queue.take()![1]);
    expect(senders).toEqual([
      ["127.0.0.1", 5000],
      ["127.0.0.1", 5000],
      ["127.0.0.1", 5001],
      ["127.0.0.2", 5001],
    ]);
    expect(senders[1]).toBe(senders[0]);
    expect(senders[2]).not.toBe(senders[1]);
    expect(senders[3]).not.toBe(senders[2]);
    expect(senders.every((sender) => Object.isFrozen(sender))).toBe(true);
  });
});
