// ResourceGuard: AnyIO's ResourceGuard (used by its streams to raise BusyResourceError on a
// second concurrent receive/send/accept; see test_sockets.py's test_concurrent_send /
// test_concurrent_receive, which check the message).
import { describe, expect, it } from "vitest";
import { BusyResourceError } from "../src/errors.ts";
import { ResourceGuard } from "../src/resource-guard.ts";

describe("ResourceGuard", () => {
  it("a second enter() is a BusyResourceError with AnyIO's message", () => {
    const guard = new ResourceGuard("reading from");
    guard.enter();
    expect(guard.busy).toBe(true);
    let error: unknown;
    try {
      guard.enter();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as BusyResourceError).message).toBe("Another task is already reading from this resource");
    expect((error as BusyResourceError).action).toBe("reading from");
    expect(guard.busy).toBe(true); // the failed enter did not release the first holder
  });

  it("exit() frees it for the next user", () => {
    const guard = new ResourceGuard("writing to");
    expect(guard.busy).toBe(false);
    guard.enter();
    guard.exit();
    expect(guard.busy).toBe(false);
    expect(() => guard.enter()).not.toThrow();
    expect(() => guard.enter()).toThrow("Another task is already writing to this resource");
  });

  it("guards concurrent async users", async () => {
    const guard = new ResourceGuard("accepting connections from");
    const use = async () => {
      guard.enter();
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        guard.exit();
      }
    };
    const results = await Promise.allSettled([use(), use()]);
    expect(results[0]!.status).toBe("fulfilled");
    expect(results[1]!.status).toBe("rejected");
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(BusyResourceError);
    await expect(use()).resolves.toBeUndefined();
  });
});
