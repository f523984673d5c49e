import { peekBackend } from "../backend/registry.ts";

/**
 * How many receives in a row a stream may answer from bytes portio already holds before it lets
 * the event loop turn. Such answers settle on microtasks alone, and a loop of them (8 KiB arrived
 * in one chunk, read with `receive(1)`) would otherwise keep timers and all other I/O waiting
 * until it ends. One answer costs about 0.2 µs and one turn (setImmediate) 2-6 µs: measured on
 * Node 24 over 8 MiB read with `receive(16)`, a budget of 64 added 40-50% per receive, 512 adds
 * about 7%, and still lets the event loop turn every ~100 µs (libc-socket's reactor turns every
 * 64 answers that each cost a system call, about the same time).
 */
export const IMMEDIATE_BUDGET = 512;

/**
 * The same budget for datagrams answered from core's queue. Smaller, because the queue rarely
 * holds many: a kernel's default receive buffer (212,992 bytes on Linux) holds about 128 datagrams
 * of 512 B, so a budget of 512 would never be reached and a flood would never yield.
 */
export const DATAGRAM_IMMEDIATE_BUDGET = 64;

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
