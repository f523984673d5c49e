/**
 * `@portio/memory`: an in-memory network backend for portio, with fault injection, for testing
 * network code. Runtime-free (web-standard APIs only): the same tests run on Node, Deno and Bun.
 *
 * @example
 * ```ts
 * import { setBackend, connectTcp } from "@portio/core";
 * import { createMemoryNetwork, memoryBackend } from "@portio/memory";
 *
 * const network = createMemoryNetwork({ clock: "manual" });
 * network.addFault({ to: "127.0.0.1:8080", connect: "refuse", times: 1 });
 * setBackend(memoryBackend(network));
 * ```
 * @module
 */
export { createMemoryNetwork, MemoryNetwork, MemoryHost, type MemoryNetworkOptions } from "./network.ts";
export { memoryBackend, type MemoryBackendOptions } from "./backend.ts";
export { MemoryConnection, type ConnectionSide, type MemoryTCPOptions, type ResetDirection } from "./stream.ts";
export type { FaultRule, FaultHandle } from "./faults.ts";
export type { MemoryClock } from "./clock.ts";
export { listenScriptedPeer, ScriptedPeer, ScriptedConnection } from "./peer.ts";
