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
 * a MessageChannel of its own.
 *
 * Why that fallback: it is web-standard, a macrotask everywhere (browsers included), takes
 * 20-70 µs a turn where setTimeout(0) takes 1.2-2.5 ms (clamped to milliseconds; measured on
 * Node 20/24, Bun 1.4, Deno 2), is left alone by fake-timer libraries, and, made per turn and
 * closed when it fires, never keeps a process alive (one long-lived port would, or with Node's
 * `unref()` would let the process exit under a pending turn).
 */
export function nextTurn(): Promise<void> {
  const backend = peekBackend();
  if (backend?.nextTurn !== undefined) return backend.nextTurn();
  return fallbackTurn();
}

function fallbackTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (typeof MessageChannel !== "function") {
      setTimeout(resolve, 0);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
