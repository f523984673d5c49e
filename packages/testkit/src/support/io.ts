import { EndOfStream, type ByteReceiveStream, type ByteStream } from "@portio/core";
import { bytesEqual, describe, fail } from "../assert.ts";
import { concat, reversed, utf8 } from "./bytes.ts";

/**
 * Receives until the peer closes, at most `limit` bytes (more is a failure), and checks every
 * chunk on the way: a `Uint8Array`, never empty. Chunks are kept as received and joined only at
 * the end, so a backend that hands out views of a buffer it later reuses is caught.
 */
export async function receiveAll(stream: ByteReceiveStream, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Every chunk has at least one byte, so limit + 1 rounds always reach EOF or the limit.
  for (let round = 0; round <= limit; round++) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive();
    } catch (error) {
      if (error instanceof EndOfStream) return concat(chunks);
      throw error;
    }
    checkChunk(chunk, 65536);
    total += chunk.byteLength;
    if (total > limit) fail(`received more than the ${limit} bytes expected (${total} so far)`);
    chunks.push(chunk);
  }
  return fail("unreachable: the byte limit bounds the loop");
}

/** Receives exactly `size` bytes (in as many chunks as it takes); the stream ending first is a failure. */
export async function receiveExactly(stream: ByteReceiveStream, size: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let round = 0; total < size && round < size; round++) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(size - total);
    } catch (error) {
      if (error instanceof EndOfStream) fail(`the stream ended after ${total} of ${size} bytes`);
      throw error;
    }
    checkChunk(chunk, size - total);
    total += chunk.byteLength;
    chunks.push(chunk);
  }
  return concat(chunks);
}

/** A chunk from `receive(maxBytes)` must be a non-empty `Uint8Array` of at most `maxBytes` bytes. */
export function checkChunk(chunk: unknown, maxBytes: number): asserts chunk is Uint8Array {
  if (!(chunk instanceof Uint8Array)) fail(`receive() resolved ${describe(chunk)} instead of a Uint8Array`);
  if (chunk.byteLength === 0) fail("receive() resolved an empty chunk");
  if (chunk.byteLength > maxBytes) fail(`receive(${maxBytes}) resolved ${chunk.byteLength} bytes`);
}

/** Settles to the error `promise` rejects with, or `undefined` if it resolves. */
export function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error ?? new Error("rejected with no reason"),
  );
}

/** AnyIO's "blah" → "halb" exchange over a connected pair. */
export async function exchange(client: ByteStream, server: ByteStream): Promise<void> {
  await client.send(utf8("blah"));
  await server.send(reversed(await receiveExactly(server, 4)));
  bytesEqual(await receiveExactly(client, 4), "halb", "reply");
}

/**
 * Runs `receiveSome` (which resolves with how much it received) until `total` has been received,
 * and says whether a timer due before the loop went on fired before it ended: receives answered
 * from what portio (or the transport) already holds must let the event loop turn now and then.
 * The first receive goes first, on its own: it may wait for the data to arrive, which would turn
 * the event loop anyway; the timer is set after it. Waiting for the timer to be due (a short busy
 * wait on the monotonic clock) makes the answer independent of how fast the loop runs: the
 * loop's own event-loop turns fire it (within one or two turns on every runtime).
 */
export async function receiveLoopFiresDueTimer(total: number, receiveSome: () => Promise<number>): Promise<boolean> {
  let received = await receiveSome();
  let fired = false;
  const timer = setTimeout(() => (fired = true), 0);
  try {
    // setTimeout(0) is due after 1 ms on every runtime.
    const due = performance.now() + 2;
    while (performance.now() < due) {
      // Nothing: the event loop must not turn before the receive loop starts.
    }
    // Every round receives at least one unit, so `total` rounds bound the loop.
    for (let round = 0; round < total && received < total; round++) received += await receiveSome();
  } finally {
    clearTimeout(timer);
  }
  if (received < total) fail(`received ${received} of ${total}`);
  return fired;
}

/** {@link receiveLoopFiresDueTimer}, failing the case when the timer did not fire. */
export async function checkReceiveLoopLetsTimersRun(total: number, receiveSome: () => Promise<number>): Promise<void> {
  if (!(await receiveLoopFiresDueTimer(total, receiveSome))) {
    fail(`a due timer never fired while ${total} receives ran (the loop never let the event loop turn)`);
  }
}
