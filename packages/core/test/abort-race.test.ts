// AbortRace: raceAbort for a listener's accepts, whose abort listener stays on the signal between
// calls (serve() passes the same signal to every accept). These cases pin what must not change
// with that: an abort rejects only the race running then, the raced promise keeps its value, a
// settled race ignores later aborts, and release() leaves nothing on the signal.
import { describe, expect, it, vi } from "vitest";
import { AbortRace, deferred } from "../src/internal/abort.ts";

describe("AbortRace", () => {
  it("rejects the running race with the signal's reason; the raced promise keeps its value", async () => {
    const race = new AbortRace();
    const controller = new AbortController();
    const pending = deferred<string>();
    const racing = race.race(pending.promise, controller.signal);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(racing).rejects.toBe(reason);
    pending.resolve("kept");
    await expect(pending.promise).resolves.toBe("kept");
    // Later calls with the aborted signal reject at once, without waiting.
    await expect(race.race(new Promise<never>(() => {}), controller.signal)).rejects.toBe(reason);
  });

  it("registers one abort listener for many races with the same signal, and release() removes it", async () => {
    const race = new AbortRace();
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    for (let i = 0; i < 5; i++) expect(await race.race(Promise.resolve(i), controller.signal)).toBe(i);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).not.toHaveBeenCalled();
    race.release();
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]![1]).toBe(add.mock.calls[0]![1]);
  });

  it("moves its listener when the signal changes, and a settled race ignores a later abort", async () => {
    const race = new AbortRace();
    const first = new AbortController();
    const second = new AbortController();
    const removeFirst = vi.spyOn(first.signal, "removeEventListener");
    expect(await race.race(Promise.resolve("a"), first.signal)).toBe("a");
    first.abort(new Error("too late"));
    const pending = deferred<string>();
    const racing = race.race(pending.promise, second.signal);
    expect(removeFirst).toHaveBeenCalledTimes(1);
    // The first signal's abort reached no race: the one running now belongs to the second.
    pending.resolve("b");
    await expect(racing).resolves.toBe("b");
    const failing = race.race(Promise.reject(new Error("accept failed")), second.signal);
    await expect(failing).rejects.toThrow("accept failed");
  });

  it("without a signal, returns the promise itself", () => {
    const promise = Promise.resolve(1);
    expect(new AbortRace().race(promise, undefined)).toBe(promise);
  });
});
