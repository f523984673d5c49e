/**
 * docs/memory-backend.md, the bun:test version (run by `pnpm test` through this package's
 * "test:bun" script): the same retry tests as test/retry-example.test.ts, with Bun's own runner.
 */
import { expect, test } from "bun:test";
import { ConnectionFailed } from "@portio/core";
import { fetchGreeting } from "../../example/greeting-client.ts";
import { clockOptions, setUp } from "../greeting-network.ts";

test("fetchGreeting: a reset in the middle of the reply, then the retry gets the whole greeting", async () => {
  const { network, tearDown } = await setUp();
  try {
    const reset = network.addFault({ to: "api.test:7000", resetAfterBytes: 5, resetDirection: "to-client", times: 1 });
    const greeting = fetchGreeting("api.test", 7000, clockOptions(network));
    await network.clock.advance(100);
    expect(await greeting).toBe("hello, world");
    expect(reset.hits).toBe(1);
  } finally {
    await tearDown();
  }
});

test("fetchGreeting: a server that stops answering times out after 30 s of clock time, then the retry succeeds", async () => {
  const { network, tearDown } = await setUp();
  try {
    network.addFault({ to: "api.test:7000", halfOpen: "server", times: 1 });
    const greeting = fetchGreeting("api.test", 7000, clockOptions(network));
    await network.clock.advance(30_000);
    await network.clock.advance(100);
    expect(await greeting).toBe("hello, world");
  } finally {
    await tearDown();
  }
});

test("fetchGreeting: refused every time, it gives up after 3 attempts", async () => {
  const { network, tearDown } = await setUp();
  try {
    network.addFault({ to: "api.test:7000", connect: "refuse" });
    const greeting = fetchGreeting("api.test", 7000, clockOptions(network)).catch((error: Error) => error);
    await network.clock.advance(100 + 200);
    const error = await greeting;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/after 3 attempts/);
    expect((error as Error).cause).toBeInstanceOf(ConnectionFailed);
  } finally {
    await tearDown();
  }
});
