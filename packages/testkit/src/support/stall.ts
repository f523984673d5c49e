import { equal, fail } from "../assert.ts";
import type { ByteSendStream, ByteStream } from "@portio/core";
import { pattern } from "./bytes.ts";
import { receiveExactly } from "./io.ts";

/**
 * Waits until a background task has stopped making progress, without timers: `progress()` must stay
 * the same across `rounds` round trips of one byte over a separate connection (`ping` → `pong`).
 * Each round trip makes the event loop poll for I/O, and a task that is not blocked on I/O
 * advances at least once per poll, so an unchanged counter after many of them means the task is
 * waiting on its socket (here: for the peer to read). Resolves with the counter's value.
 *
 * Bounded: gives up after `limit` round trips in total.
 */
export async function waitForStall(
  progress: () => number,
  ping: ByteStream,
  pong: ByteStream,
  rounds = 16,
  limit = 100_000,
): Promise<number> {
  const probe = new Uint8Array([0x2a]);
  let last = progress();
  let unchanged = 0;
  for (let trip = 0; trip < limit; trip++) {
    await ping.send(probe.slice());
    equal((await receiveExactly(pong, 1))[0], 0x2a, "side-channel byte");
    const now = progress();
    if (now === last) {
      if (++unchanged >= rounds) return now;
    } else {
      last = now;
      unchanged = 0;
    }
  }
  return fail(`the task kept making progress for ${limit} round trips`);
}

/** What {@link sendUntilBlocked} leaves: the chunks whose send resolved, and the sender's end. */
export interface BlockedSender {
  /** Sends that resolved before the sender stalled. */
  resolvedWhileBlocked: number;
  /** Every chunk whose send resolved so far, in order (it grows until `done`). */
  sent: Uint8Array[];
  /**
   * Resolves once the send that was blocked completed (the peer must read for that) and the
   * sender stopped, after `end` if given.
   */
  done: Promise<void>;
}

/**
 * Sends distinct `chunkSize` chunks on `stream` in the background (at most `maxChunks`) until
 * the sends stall (see {@link waitForStall}, over `ping` → `pong`), then lets the sender stop after
 * the send it is blocked in. A backpressure check: the peer of `stream` must not read meanwhile.
 */
export async function sendUntilBlocked(
  stream: ByteSendStream,
  ping: ByteStream,
  pong: ByteStream,
  { chunkSize, maxChunks, end }: { chunkSize: number; maxChunks: number; end?: () => Promise<void> },
): Promise<BlockedSender> {
  const sent: Uint8Array[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; i < maxChunks && !stop; i++) {
      const chunk = pattern(chunkSize, i);
      await stream.send(chunk);
      sent.push(chunk);
    }
    await end?.();
  })();
  done.catch(() => {});
  const resolvedWhileBlocked = await waitForStall(() => sent.length, ping, pong);
  stop = true;
  return { resolvedWhileBlocked, sent, done };
}
