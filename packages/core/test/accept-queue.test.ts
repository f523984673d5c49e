import { describe, expect, it } from "vitest";
import { AcceptQueue } from "../src/backend/index.ts";

/** A stand-in for an accepted stream transport that records being closed. */
class Conn {
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Counts the calls of `signal`'s `method`, which still runs: `calls()` says how many so far. */
function countCalls(signal: AbortSignal, method: "addEventListener" | "removeEventListener"): { calls(): number } {
  let calls = 0;
  const original = signal[method].bind(signal) as (...args: unknown[]) => void;
  (signal as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    calls++;
    original(...args);
  };
  return { calls: () => calls };
}

const closedError = () => Object.assign(new Error("the listener is closed"), { code: "ERR_SOCKET_CLOSED" });

describe("AcceptQueue", () => {
  it("hands queued connections out in arrival order, and wakes a waiting shift", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const [a, b, c] = [new Conn(), new Conn(), new Conn()];
    queue.push(a);
    queue.push(b);
    expect(await queue.shift()).toBe(a);
    expect(await queue.shift()).toBe(b);
    const waiting = queue.shift();
    expect(queue.waiting).toBe(true);
    queue.push(c);
    expect(await waiting).toBe(c);
    expect(queue.waiting).toBe(false);
  });

  it("gives an accept error to the waiting shift, or once to the next one", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const waiting = queue.shift();
    queue.fail(new Error("EMFILE"));
    await expect(waiting).rejects.toThrow("EMFILE");
    queue.fail(new Error("ENFILE"));
    await expect(queue.shift()).rejects.toThrow("ENFILE");
    const conn = new Conn();
    queue.push(conn);
    expect(await queue.shift()).toBe(conn);
  });

  it("shift(signal) rejects with the reason on abort and keeps a later connection for the next shift", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    const waiting = queue.shift(controller.signal);
    expect(queue.waiting).toBe(true);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(queue.waiting).toBe(false);
    const conn = new Conn();
    expect(queue.push(conn)).toBe(true);
    expect(conn.closed).toBe(false);
    // An aborted signal takes nothing, even with a connection queued.
    await expect(queue.shift(controller.signal)).rejects.toBe(reason);
    expect(await queue.shift()).toBe(conn);
  });

  it("shift(signal) with one signal for many shifts, as serve() does: each gets its connection, one listener in all", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const controller = new AbortController();
    const added = countCalls(controller.signal, "addEventListener");
    for (let i = 0; i < 3; i++) {
      const waiting = queue.shift(controller.signal);
      const conn = new Conn();
      queue.push(conn);
      expect(await waiting).toBe(conn);
    }
    expect(added.calls()).toBe(1);
    // The listener left on the signal does not touch a later shift that has no signal.
    const unsignalled = queue.shift();
    controller.abort(new Error("serve stopped"));
    expect(queue.waiting).toBe(true);
    const conn = new Conn();
    queue.push(conn);
    expect(await unsignalled).toBe(conn);
  });

  it("close() takes the abort listener off the signal", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const controller = new AbortController();
    const removed = countCalls(controller.signal, "removeEventListener");
    const waiting = queue.shift(controller.signal);
    await queue.close();
    await expect(waiting).rejects.toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    expect(removed.calls()).toBe(1);
  });

  it("keeps a permanent failure for every later shift", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    queue.fail(new Error("gone"), { permanent: true });
    await expect(queue.shift()).rejects.toThrow("gone");
    await expect(queue.shift()).rejects.toThrow("gone");
  });

  it("rejects the waiter and later shifts with the closed error, and closes connections that come after", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const pending = queue.shift();
    await queue.close();
    await expect(pending).rejects.toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    await expect(queue.shift()).rejects.toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    const late = new Conn();
    expect(queue.push(late)).toBe(false);
    expect(late.closed).toBe(true);
    expect(queue.closed).toBe(true);
  });

  it("closes connections beyond its limit and those still queued at close", async () => {
    const queue = new AcceptQueue<Conn>({ closedError, limit: 1 });
    const [a, b] = [new Conn(), new Conn()];
    expect(queue.push(a)).toBe(true);
    expect(queue.push(b)).toBe(false);
    expect(b.closed).toBe(true);
    await queue.close();
    expect(a.closed).toBe(true);
  });
  it("shiftInto() returns a queued connection at once, else hands the next one (or the failure) to its sink once", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    const [a, b] = [new Conn(), new Conn()];
    const got: unknown[] = [];
    const sink = { resolve: (conn: Conn) => got.push(conn), reject: (error: unknown) => got.push(error) };
    queue.push(a);
    expect(queue.shiftInto(sink)).toBe(a);
    expect(got).toEqual([]);
    expect(queue.shiftInto(sink)).toBeUndefined();
    expect(queue.waiting).toBe(true);
    queue.push(b);
    expect(got).toEqual([b]);
    expect(queue.waiting).toBe(false);
    // A sink may ask again from inside its call: the queue is consistent before it is called.
    const c = new Conn();
    let again: Conn | undefined | "not asked" = "not asked";
    const reentrant = {
      resolve: (conn: Conn) => {
        got.push(conn);
        again = queue.shiftInto(sink);
      },
      reject: sink.reject,
    };
    expect(queue.shiftInto(reentrant)).toBeUndefined();
    queue.push(c);
    expect(again).toBeUndefined();
    expect(queue.waiting).toBe(true);
    const emfile = new Error("EMFILE");
    queue.fail(emfile);
    expect(got).toEqual([b, c, emfile]);
    // An error with nobody waiting, a closed queue and an aborted signal are thrown at once.
    queue.fail(new Error("ENFILE"));
    expect(() => queue.shiftInto(sink)).toThrow("ENFILE");
    const controller = new AbortController();
    const reason = new Error("stop");
    expect(queue.shiftInto(sink, controller.signal)).toBeUndefined();
    controller.abort(reason);
    expect(got.at(-1)).toBe(reason);
    expect(() => queue.shiftInto(sink, controller.signal)).toThrow(reason);
    expect(queue.shiftInto(sink)).toBeUndefined();
    await queue.close();
    expect(got.at(-1)).toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    expect(() => queue.shiftInto(sink)).toThrow("the listener is closed");
    expect(got).toHaveLength(5);
  });
});
