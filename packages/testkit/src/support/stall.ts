import { equal, fail } from "../assert.ts";
import type { ByteStream } from "@portio/core";
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
