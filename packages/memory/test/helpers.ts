import { setBackend } from "@portio/core";
import { createMemoryNetwork, memoryBackend, type MemoryNetwork, type MemoryNetworkOptions } from "../src/index.ts";

/** A fresh network with the memory backend registered for the current test. */
export function useNetwork(options?: MemoryNetworkOptions): MemoryNetwork {
  const network = createMemoryNetwork(options);
  setBackend(memoryBackend(network));
  return network;
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
