import { SocketAttribute, setBackend, type SocketAddress, type SocketStream } from "@portio/core";
import {
  createMemoryNetwork,
  memoryBackend,
  type MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryTCPOptions,
} from "../src/index.ts";

/** A fresh network with the memory backend registered for the current test. */
export function useNetwork(options?: MemoryNetworkOptions): MemoryNetwork {
  const network = createMemoryNetwork(options);
  setBackend(memoryBackend(network));
  return network;
}

/**
 * The TCP options the network holds for `stream`'s end of its connection (found by its local and
 * remote address), as a kernel would report them.
 */
export function memoryTcpOptions(network: MemoryNetwork, stream: SocketStream): MemoryTCPOptions {
  const local = stream.extra(SocketAttribute.localAddress);
  const remote = stream.extra(SocketAttribute.remoteAddress);
  const same = (a: SocketAddress, b: SocketAddress) => JSON.stringify(a) === JSON.stringify(b);
  for (const connection of [...network.connections].reverse()) {
    if (connection.protocol !== "tcp") continue;
    if (same(connection.clientAddress, local) && same(connection.serverAddress, remote)) return connection.tcpOptions("client");
    if (same(connection.serverAddress, local) && same(connection.clientAddress, remote)) return connection.tcpOptions("server");
  }
  throw new Error(`no TCP connection ${JSON.stringify(local)} → ${JSON.stringify(remote)} on the memory network`);
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Bytes `0, 1, 2, ...` (mod 251), so that a shifted, lost or invented byte shows. */
export function pattern(size: number, offset = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i + offset) % 251;
  return bytes;
}

/** Lets every promise chain settle (nothing on a memory network waits for real time). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Tracks whether a promise has settled yet, without letting a rejection go unhandled. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/** The `code` of an error's cause chain (first found). */
export function causeCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && current; i++) {
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** Awaits a rejection and returns the error (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}
