/** Internal byte helpers; not part of the public API. */

/**
 * Several buffers as one write (one system call, one TCP segment where they fit), so a protocol
 * header and its payload need not be joined by hand.
 */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array or an array of Uint8Arrays");
    total += chunk.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}
