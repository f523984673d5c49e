/**
 * What the Deno.test and bun:test versions of the docs example share: a network with the greeting
 * server on host "api" and the client's backend registered, and the clock functions the client
 * takes. (The vitest version does the same in beforeEach / afterEach.)
 */
import { setBackend } from "@portio/core";
import { createMemoryNetwork, memoryBackend, type MemoryNetwork } from "../src/index.ts";
import { startGreetingServer } from "../example/greeting-server.ts";

/** A network with the greeting server on host "api" and the client's backend registered. */
export async function setUp(): Promise<{ network: MemoryNetwork; tearDown: () => Promise<void> }> {
  const network = createMemoryNetwork({ clock: "manual", seed: 1 });
  network.addHost("api", { addresses: ["10.0.0.2"], names: ["api.test"] });
  setBackend(memoryBackend(network, { host: "api" }));
  const stop = new AbortController();
  const server = await startGreetingServer(7000, stop.signal);
  setBackend(memoryBackend(network));
  return {
    network,
    tearDown: async () => {
      stop.abort();
      await server.served;
      await server.listener.aclose();
    },
  };
}

export const clockOptions = (network: MemoryNetwork) => ({
  timeout: (ms: number) => network.clock.timeout(ms),
  sleep: (ms: number) => network.clock.sleep(ms),
});
