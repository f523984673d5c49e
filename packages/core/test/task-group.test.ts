// TaskGroup, the structured concurrency that serve loops run in (docs/design.md "Concurrency and
// serving"). AnyIO's task-group suite is about its own scheduler; these cases check the contract
// portio's TaskGroup states: wait for all, first failure aborts the siblings and rejects, several
// failures become an AggregateError, an outer signal cancels the group.
import { describe, expect, it } from "vitest";
import { TaskGroup } from "../src/task-group.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Resolves when `signal` aborts (at once if it already has). */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

describe("TaskGroup", () => {
  it("wait() resolves once every task has finished", async () => {
    const group = new TaskGroup();
    const done: number[] = [];
    group.start(async () => {
      await sleep(20);
      done.push(1);
    });
    group.start(async () => {
      await sleep(5);
      done.push(2);
    });
    group.start(() => {
      done.push(3); // a synchronous task is fine too
    });
    expect(group.running).toBe(3);
    await group.wait();
    expect(done.sort()).toEqual([1, 2, 3]);
    expect(group.running).toBe(0);
  });

  it("wait() with no tasks resolves at once", async () => {
    await expect(new TaskGroup().wait()).resolves.toBeUndefined();
  });

  it("the first failure aborts the siblings' signal and wait() rejects with it", async () => {
    const group = new TaskGroup();
    const failure = new Error("boom");
    let siblingSawAbort: unknown;
    group.start(async (signal) => {
      await aborted(signal);
      siblingSawAbort = signal.reason;
    });
    group.start(async () => {
      await sleep(1);
      throw failure;
    });
    await expect(group.wait()).rejects.toBe(failure);
    expect(siblingSawAbort).toBe(failure);
    expect(group.signal.aborted).toBe(true);
  });

  it("a synchronous throw is a failure like any other", async () => {
    const group = new TaskGroup();
    const failure = new TypeError("sync");
    group.start(() => {
      throw failure;
    });
    await expect(group.wait()).rejects.toBe(failure);
  });

  it("several failures are reported as an AggregateError", async () => {
    const group = new TaskGroup();
    const first = new Error("first");
    const second = new Error("second");
    group.start(async () => {
      throw first;
    });
    group.start(async () => {
      throw second;
    });
    const error = await group.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([first, second]);
  });

  it("tasks that reject with the group's abort reason are not failures", async () => {
    const group = new TaskGroup();
    group.start(async (signal) => {
      await aborted(signal);
      throw signal.reason;
    });
    await Promise.resolve();
    group.cancel();
    await expect(group.wait()).resolves.toBeUndefined();
    expect(group.signal.reason).toBeInstanceOf(DOMException);
    expect((group.signal.reason as DOMException).name).toBe("AbortError");
  });

  it("cancel(reason) aborts every task with that reason", async () => {
    const group = new TaskGroup();
    const reasons: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      group.start(async (signal) => {
        await aborted(signal);
        reasons.push(signal.reason);
      });
    }
    group.cancel("shutdown");
    await group.wait();
    expect(reasons).toEqual(["shutdown", "shutdown", "shutdown"]);
  });

  it("an outer signal cancels the group with its reason; wait() resolves", async () => {
    const outer = new AbortController();
    const group = new TaskGroup({ signal: outer.signal });
    let seen: unknown;
    group.start(async (signal) => {
      await aborted(signal);
      seen = signal.reason;
    });
    setTimeout(() => outer.abort("outer"), 5);
    await group.wait();
    expect(seen).toBe("outer");
  });

  it("an already-aborted outer signal starts the group cancelled", async () => {
    const group = new TaskGroup({ signal: AbortSignal.abort("early") });
    expect(group.signal.aborted).toBe(true);
    expect(group.signal.reason).toBe("early");
    let ran = false;
    group.start(async (signal) => {
      ran = signal.aborted;
    });
    await group.wait();
    expect(ran).toBe(true);
  });

  it("tasks started by running tasks are waited for too", async () => {
    const group = new TaskGroup();
    let inner = false;
    group.start(async () => {
      await sleep(1);
      group.start(async () => {
        await sleep(10);
        inner = true;
      });
    });
    await group.wait();
    expect(inner).toBe(true);
  });

  it("start() after wait() has settled throws", async () => {
    const group = new TaskGroup();
    await group.wait();
    expect(() => group.start(() => {})).toThrow(Error);
  });

  it("await using waits for the tasks", async () => {
    let finished = false;
    {
      await using group = new TaskGroup();
      group.start(async () => {
        await sleep(5);
        finished = true;
      });
    }
    expect(finished).toBe(true);
  });
});
