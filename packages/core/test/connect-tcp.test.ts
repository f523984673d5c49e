// Happy-eyeballs decisions of core's connectTcp, against a scripted backend whose resolver and
// connect outcomes the test controls (the real-socket cases live in @portio/testkit).
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionFailed, SocketAttribute, UnsupportedError, connectTcp, setBackend } from "../src/index.ts";
import { interleaveFamilies, type AsyncBackend, type StreamTransport } from "../src/backend/index.ts";

interface Attempt {
  host: string;
  signal: AbortSignal;
  succeed(): void;
  fail(error: Error): void;
  closed: boolean;
}

function scriptedBackend(addresses: Array<{ family: "inet" | "inet6"; address: string }>, { ignoreAbort = false } = {}) {
  const attempts: Attempt[] = [];
  let notify: (() => void) | undefined;
  // Only what connectTcp uses; everything else of AsyncBackend is out of this test's scope.
  const backend = {
    name: "scripted",
    getaddrinfo: async () => addresses,
    connectTcp: (host, _port, options) =>
      new Promise<StreamTransport>((resolve, reject) => {
        const attempt: Attempt = {
          host,
          signal: options.signal!,
          closed: false,
          succeed: () =>
            resolve({
              family: host.includes(":") ? "inet6" : "inet",
              fd: undefined,
              localAddress: () => [host, 1],
              remoteAddress: () => [host, 2],
              read: () => new Promise(() => {}),
              write: async () => {},
              shutdownWrite: async () => {},
              close: async () => {
                attempt.closed = true;
              },
            }),
          fail: reject,
        };
        if (!ignoreAbort) options.signal?.addEventListener("abort", () => reject(options.signal!.reason), { once: true });
        attempts.push(attempt);
        notify?.();
      }),
    connectUnix: () => Promise.reject(new Error("unused")),
    createTcpListener: () => Promise.reject(new Error("unused")),
    createUnixListener: () => Promise.reject(new Error("unused")),
  } as Pick<
    AsyncBackend,
    "name" | "getaddrinfo" | "connectTcp" | "connectUnix" | "createTcpListener" | "createUnixListener"
  > as AsyncBackend;
  const nextAttempt = async (count: number) => {
    for (let i = 0; i < 100 && attempts.length < count; i++) await new Promise<void>((r) => (notify = r));
    return attempts[count - 1]!;
  };
  return { backend, attempts, nextAttempt };
}

afterEach(() => setBackend(undefined as unknown as AsyncBackend));

describe("interleaveFamilies", () => {
  it("puts IPv6 first and alternates families, keeping each family's order", () => {
    const order = interleaveFamilies([
      { family: "inet", address: "10.0.0.1" },
      { family: "inet", address: "10.0.0.2" },
      { family: "inet6", address: "::1" },
      { family: "inet6", address: "::2" },
      { family: "inet", address: "10.0.0.3" },
    ]).map((entry) => entry.address);
    expect(order).toEqual(["::1", "10.0.0.1", "::2", "10.0.0.2", "10.0.0.3"]);
  });
});

describe("connectTcp happy eyeballs", () => {
  it("starts the next attempt when the first fails, and reports success", async () => {
    const script = scriptedBackend([
      { family: "inet6", address: "::1" },
      { family: "inet", address: "127.0.0.1" },
    ]);
    setBackend(script.backend);
    const connecting = connectTcp("example.test", 80, { happyEyeballsDelay: 60_000 });
    (await script.nextAttempt(1)).fail(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    (await script.nextAttempt(2)).succeed();
    const stream = await connecting;
    expect(stream.extra((await import("../src/index.ts")).SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", 2]);
    expect(script.attempts.map((a) => a.host)).toEqual(["::1", "127.0.0.1"]);
  });

  it("starts a second attempt after the delay while the first hangs, and abandons the loser", async () => {
    const script = scriptedBackend([
      { family: "inet6", address: "::1" },
      { family: "inet", address: "127.0.0.1" },
    ]);
    setBackend(script.backend);
    const connecting = connectTcp("example.test", 80, { happyEyeballsDelay: 1 });
    const first = await script.nextAttempt(1);
    (await script.nextAttempt(2)).succeed();
    await connecting;
    expect(first.signal.aborted).toBe(true);
  });

  it("closes an attempt that connects after another has won, before resolving", async () => {
    // A runtime may finish a connect it was asked to abandon; that socket must not leak.
    const script = scriptedBackend(
      [
        { family: "inet6", address: "::1" },
        { family: "inet", address: "127.0.0.1" },
      ],
      { ignoreAbort: true },
    );
    setBackend(script.backend);
    const connecting = connectTcp("example.test", 80, { happyEyeballsDelay: 1 });
    const first = await script.nextAttempt(1);
    const second = await script.nextAttempt(2);
    second.succeed();
    let resolved = false;
    void connecting.then(() => (resolved = true));
    await Promise.resolve();
    first.succeed();
    await connecting;
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
    expect(resolved).toBe(true);
  });

  it("wraps a single failure's error as ConnectionFailed.cause", async () => {
    const script = scriptedBackend([{ family: "inet", address: "127.0.0.1" }]);
    setBackend(script.backend);
    const connecting = connectTcp("example.test", 80);
    const refused = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    (await script.nextAttempt(1)).fail(refused);
    const error = await connecting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect((error as Error).message).toBe("All connection attempts failed");
    expect((error as Error).cause).toBe(refused);
  });

  it("connects to a lone address without a race: no signal for the backend, its UnsupportedError as is", async () => {
    const script = scriptedBackend([{ family: "inet", address: "127.0.0.1" }]);
    setBackend(script.backend);
    const connecting = connectTcp("127.0.0.1", 80);
    const attempt = await script.nextAttempt(1);
    // Nothing can cancel it, so the backend may take a path without cancellation (Bun.connect).
    expect(attempt.signal).toBeUndefined();
    attempt.succeed();
    expect((await connecting).extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", 2]);

    const refusing = connectTcp("127.0.0.1", 80, { keepAlive: true });
    const unsupported = new UnsupportedError("the scripted backend cannot set keep-alive");
    (await script.nextAttempt(2)).fail(unsupported);
    await expect(refusing).rejects.toBe(unsupported);
  });

  it("gathers several failures in an AggregateError", async () => {
    const script = scriptedBackend([
      { family: "inet6", address: "::1" },
      { family: "inet", address: "127.0.0.1" },
    ]);
    setBackend(script.backend);
    const connecting = connectTcp("example.test", 80, { happyEyeballsDelay: 60_000 });
    (await script.nextAttempt(1)).fail(new Error("a"));
    (await script.nextAttempt(2)).fail(new Error("b"));
    const error = (await connecting.catch((e: unknown) => e)) as ConnectionFailed;
    expect(error.cause).toBeInstanceOf(AggregateError);
    expect(((error.cause as AggregateError).errors as Error[]).map((e) => e.message)).toEqual(["a", "b"]);
  });

  it("rejects with the signal's reason and aborts every attempt", async () => {
    const script = scriptedBackend([{ family: "inet", address: "127.0.0.1" }]);
    setBackend(script.backend);
    const controller = new AbortController();
    const connecting = connectTcp("example.test", 80, { signal: controller.signal });
    const first = await script.nextAttempt(1);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(connecting).rejects.toBe(reason);
    expect(first.signal.aborted).toBe(true);
  });

  it("validates its arguments", async () => {
    await expect(connectTcp("", 80)).rejects.toThrow(TypeError);
    await expect(connectTcp("localhost", 0)).rejects.toThrow(RangeError);
    await expect(connectTcp("localhost", 70000)).rejects.toThrow(RangeError);
  });
});
