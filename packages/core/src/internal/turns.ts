import { peekBackend } from "../backend/registry.ts";

/**
 * How many calls in a row a receive may answer from bytes (or datagrams) portio already holds
 * before it lets the event loop turn: the budget libc-socket's reactor uses for the same reason.
 * Such answers settle on microtasks alone, and a loop of them (8 KiB arrived in one chunk, read
 * with `receive(1)`) would otherwise keep timers and all other I/O waiting until it ends. A
 * budget of 64 costs one macrotask (a few µs) per 64 answers, under 2% of a `receive(1)` loop.
 */
export const IMMEDIATE_BUDGET = 64;

/**
 * Resolves after the event loop has had a turn (timers and I/O callbacks that were due have run):
 * through the registered backend's `nextTurn` (setImmediate on Node, Bun and Deno), else through
 * core's own: the runtime's `setImmediate` as it was when core loaded, else a MessageChannel.
 *
 * Why that fallback, measured on Node 20/24, Bun 1.4 and Deno 2: setImmediate is a few µs a turn
 * and lets a due timer run within one or two turns everywhere; a MessageChannel made per turn
 * (web-standard, and closed when it fires, so it never keeps a process alive) is 20-70 µs, and on
 * Bun a due timer ran only after up to 9 such turns; setTimeout(0) is clamped to 1.2-2.5 ms, the
 * last resort. setImmediate is taken at load so that fake timers installed later (they replace
 * the global) cannot hold a receive loop up.
 */
export function nextTurn(): Promise<void> {
  const backend = peekBackend();
  if (backend?.nextTurn !== undefined) return backend.nextTurn();
  return fallbackTurn();
}

const loadedSetImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

function fallbackTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (typeof loadedSetImmediate === "function") {
      loadedSetImmediate(resolve);
    } else if (typeof MessageChannel === "function") {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else {
      setTimeout(resolve, 0);
    }
  });
}
