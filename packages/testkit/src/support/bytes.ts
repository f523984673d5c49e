/** Byte helpers for the cases: text in and out, and recognisable test data. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `bytes` decoded as UTF-8 (for messages and comparisons of short texts). */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * `size` bytes of a pattern that depends on `seed` and on the offset, so that data that arrives
 * shifted, reordered, duplicated or from the wrong chunk does not compare equal by accident (unlike
 * the constant fill AnyIO's tests use).
 */
export function pattern(size: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  // The period, 65521, is prime: no power-of-two chunking lines up with it.
  const period = Math.min(size, 65521);
  for (let i = 0; i < period; i++) bytes[i] = (i * 31 + Math.floor(i / 251) + seed * 97) & 0xff;
  for (let filled = period; filled < size; filled *= 2) bytes.copyWithin(filled, 0, Math.min(filled, size - filled));
  return bytes;
}

/** The chunks joined into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/** A reversed copy, for the echo-reversed exchanges AnyIO's tests use. */
export function reversed(bytes: Uint8Array): Uint8Array {
  return bytes.slice().reverse();
}

/**
 * A Uint8Array whose `slice()` returns a view of the same memory, as Node's `Buffer` does (on
 * Node, Bun and Deno's `node:buffer`). Code that "copies" what it is given with `slice()` keeps
 * the caller's memory instead; cases that hand such bytes to portio catch that.
 */
class ViewSlicingBytes extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end) as Uint8Array<ArrayBuffer>;
  }
}

/** A copy of `bytes` in a {@link ViewSlicingBytes}: its `slice()` is a view, as a Node `Buffer`'s is. */
export function viewSlicing(bytes: Uint8Array): Uint8Array {
  const view = new ViewSlicingBytes(bytes.byteLength);
  view.set(bytes);
  return view;
}
