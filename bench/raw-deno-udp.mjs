// The "raw" UDP side on Deno for bench/udp.mjs: Deno.listenDatagram (needs --unstable-net), the
// runtime's own datagram API. Only loaded inside Deno.

/**
 * A sender: resolves `(port, count, size) => seconds`. Bursts of 64 sends in flight, then waits
 * for them (as udp.mjs's node:dgram sender bursts 64 per event-loop turn): awaiting each send
 * alone would measure Deno's promise round trip rather than its datagram path.
 */
export async function rawDatagramSender(host) {
  const conn = Deno.listenDatagram({ hostname: host, port: 0, transport: "udp" });
  return async (port, count, size) => {
    const data = new Uint8Array(size).fill(7);
    const to = { transport: "udp", hostname: host, port };
    const t0 = performance.now();
    for (let i = 0; i < count; i += 64) {
      const burst = [];
      for (let j = i; j < Math.min(count, i + 64); j++) burst.push(conn.send(data, to));
      await Promise.all(burst);
    }
    return (performance.now() - t0) / 1000;
  };
}

/** A receiver in the shape bench/udp.mjs expects: `port`, `stats`, `close()`. */
export async function rawDatagramReceiver(host) {
  const conn = Deno.listenDatagram({ hostname: host, port: 0, transport: "udp" });
  const stats = { received: 0, bytes: 0, first: 0, last: 0 };
  // Into one reused buffer: without one, each receive() allocates a 64 KiB buffer.
  const buffer = new Uint8Array(65536);
  const loop = (async () => {
    try {
      for (;;) {
        const [data] = await conn.receive(buffer);
        const now = performance.now();
        if (stats.received++ === 0) stats.first = now;
        stats.last = now;
        stats.bytes += data.byteLength;
      }
    } catch {
      // closed
    }
  })();
  return {
    port: conn.addr.port,
    stats,
    close: async () => {
      conn.close();
      await loop;
    },
  };
}
