/**
 * docs/memory-backend.md, the vitest version: testing a client's retry logic against injected
 * resets, timeouts and refusals. (runtime-tests/deno and runtime-tests/bun hold the Deno.test and
 * bun:test versions of the same tests; CI runs all three.)
 */
import { ConnectionFailed, setBackend } from "@portio/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryNetwork, memoryBackend, type MemoryNetwork } from "../src/index.ts";
import { fetchGreeting } from "../example/greeting-client.ts";
import { startGreetingServer } from "../example/greeting-server.ts";

describe("fetchGreeting retries", () => {
  let network: MemoryNetwork;
  let stop: AbortController;
  let server: Awaited<ReturnType<typeof startGreetingServer>>;

  beforeEach(async () => {
    network = createMemoryNetwork({ clock: "manual", seed: 1 });
    network.addHost("api", { addresses: ["10.0.0.2"], names: ["api.test"] });
    // The server runs on host "api", the client on the network's default host.
    setBackend(memoryBackend(network, { host: "api" }));
    stop = new AbortController();
    server = await startGreetingServer(7000, stop.signal);
    setBackend(memoryBackend(network));
  });

  afterEach(async () => {
    stop.abort();
    await server.served;
    await server.listener.aclose();
  });

  const clockOptions = () => ({
    timeout: (ms: number) => network.clock.timeout(ms),
    sleep: (ms: number) => network.clock.sleep(ms),
  });

  it("a reset in the middle of the reply: the second attempt gets the whole greeting", async () => {
    const reset = network.addFault({ to: "api.test:7000", resetAfterBytes: 5, resetDirection: "to-client", times: 1 });
    const greeting = fetchGreeting("api.test", 7000, clockOptions());
    await network.clock.advance(100); // the backoff before attempt 2
    expect(await greeting).toBe("hello, world");
    expect(reset.hits).toBe(1);
  });

  it("a server that stops answering: the 30 s timeout fires (in milliseconds), then the retry succeeds", async () => {
    network.addFault({ to: "api.test:7000", halfOpen: "server", times: 1 });
    const greeting = fetchGreeting("api.test", 7000, clockOptions());
    await network.clock.advance(30_000); // attempt 1 times out
    await network.clock.advance(100); // backoff
    expect(await greeting).toBe("hello, world");
  });

  it("refused every time: gives up after 3 attempts with the last ConnectionFailed as cause", async () => {
    network.addFault({ to: "api.test:7000", connect: "refuse" });
    const greeting = fetchGreeting("api.test", 7000, clockOptions()).catch((error: Error) => error);
    await network.clock.advance(100 + 200); // the two backoffs
    const error = (await greeting) as Error;
    expect(error.message).toContain("after 3 attempts");
    expect(error.cause).toBeInstanceOf(ConnectionFailed);
    expect((error.cause as Error & { cause: { code: string } }).cause.code).toBe("ECONNREFUSED");
  });
});
