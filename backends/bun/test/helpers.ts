/** Shared set-up of the Bun backend's own tests: register the backend, count fds, make temp dirs. */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setBackend } from "@portio/core";
import { expect } from "vitest";
import { bunBackend } from "@portio/bun";

setBackend(bunBackend);

export const countFds = (): number => readdirSync("/proc/self/fd").length;

/**
 * Waits (bounded: half a second) until the open-fd count is back at `before`: Bun releases a
 * closed socket's fd and a child's pipes a few event-loop turns after the close resolves. A real
 * leak stays and fails.
 */
export async function expectFdCount(before: number): Promise<void> {
  await expect.poll(countFds, { timeout: 500, interval: 25 }).toBe(before);
}
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "portio-bun-"));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
