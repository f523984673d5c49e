/**
 * The Deno stream transports' read paths: `DenoStreamTransport` (Deno's own connections: short
 * chunks copied into a per-connection arena, long ones handed out as views of the read slab) and
 * the node:net transport over an adopted fd, which reads through DirectReads (net's `onread`,
 * which Deno 2.9's node:net takes), as are the connections an adopted TCP listener accepts.
 * Every chunk must stay intact after later reads.
 */
import { inspectSocket, type SocketInfo } from "@portio/core";
import { libcRawSockets } from "@portio/libc-socket/testing";
import { bytesEqual, concat, pattern } from "@portio/testkit";
import type { NetStreamTransport } from "@portio/node-shared";
import { expect } from "vitest";
import { wrapListenerSocket } from "../src/adopt-listener.ts";
import { wrapStreamSocket } from "../src/adopt-stream.ts";
import { getDenoBinder } from "../src/libc-binder.ts";
import { DenoStreamTransport } from "../src/stream-transport.ts";
import { leakFree } from "./harness.ts";

const KiB = 1024;

interface Reader {
  read(): Promise<Uint8Array | null>;
}

/** Reads until `length` bytes came, keeping every chunk as it was handed out. */
async function readChunks(reader: Reader, length: number, into: Uint8Array[]): Promise<void> {
  for (let got = 0; got < length; ) {
    const chunk = await reader.read();
    if (chunk === null) throw new Error(`end of stream after ${got} of ${length} bytes`);
    into.push(chunk);
    got += chunk.byteLength;
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; ) offset += await conn.write(data.subarray(offset));
}

/** Sizes around every threshold of the read path: arena chunks (≤ 1 KiB), copies, slab views. */
const PARTS = [
  ...Array.from({ length: 40 }, (_, i) => pattern(64, i)), // the first arena and part of the next
  pattern(1024, 200),
  pattern(1025, 201),
  pattern(7, 202),
  pattern(16 * KiB, 203),
  pattern(100, 204),
  pattern(200 * KiB, 205),
  pattern(3, 206),
];

/** A Deno TCP connection wrapped in the transport under test, and the raw server end of it. */
async function connectedTransport(): Promise<{ server: Deno.Conn; transport: DenoStreamTransport }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port });
    const server = await listener.accept();
    return { server, transport: new DenoStreamTransport(client, { family: "inet" }) };
  } finally {
    listener.close();
  }
}

leakFree(
  "Deno connections: chunks of every size stay intact after later reads; short ones share the connection's arena",
  async () => {
    const { server, transport } = await connectedTransport();
    try {
      const chunks: Uint8Array[] = [];
      for (const part of PARTS) {
        await writeAll(server, part);
        await readChunks(transport, part.byteLength, chunks);
      }
      bytesEqual(concat(chunks), concat(PARTS));
      // Two 64-byte messages in a row are views of one arena, not an allocation each.
      expect(chunks[1]!.buffer).toBe(chunks[0]!.buffer);
      // A connection's first arena holds one chunk of any short size (1 KiB), later ones 4 KiB.
      expect(chunks[0]!.buffer.byteLength).toBe(KiB);
      expect(chunks[20]!.buffer.byteLength).toBe(4 * KiB);
      expect(chunks[21]!.buffer).toBe(chunks[20]!.buffer);
      // A chunk over 1 KiB has its own memory, and nothing else in it.
      const own = chunks.find((chunk) => chunk.byteLength === 1025)!;
      expect(own.buffer.byteLength).toBe(1025);

      // The application may transfer a chunk's buffer (detaching the arena): later reads go on intact.
      const held = chunks[chunks.length - 1]!;
      const arena = held.buffer as ArrayBuffer;
      const moved = structuredClone(arena, { transfer: [arena] });
      expect(held.byteLength).toBe(0);
      expect(moved.byteLength).toBe(4 * KiB);
      const after: Uint8Array[] = [];
      for (const part of [pattern(64, 300), pattern(64, 301)]) {
        await writeAll(server, part);
        await readChunks(transport, part.byteLength, after);
      }
      bytesEqual(concat(after), concat([pattern(64, 300), pattern(64, 301)]));
    } finally {
      server.close();
      await transport.close(0);
    }
  },
);

leakFree(
  "Deno connections: the first read lands straight in the 1 KiB first arena (no slab); a longer first message comes intact over the next reads",
  async () => {
    const { server, transport } = await connectedTransport();
    try {
      // A first message longer than the arena: its first KiB fills the arena, the rest follows.
      const parts = [pattern(3 * KiB, 404), pattern(64, 405)];
      const chunks: Uint8Array[] = [];
      for (const part of parts) {
        await writeAll(server, part);
        await readChunks(transport, part.byteLength, chunks);
      }
      expect(chunks[0]!.byteLength).toBe(KiB);
      expect(chunks[0]!.buffer.byteLength).toBe(KiB);
      // Nothing handed out was written again: every chunk still holds what it held.
      bytesEqual(concat(chunks), concat(parts));
      expect(chunks[chunks.length - 1]!.buffer).not.toBe(chunks[0]!.buffer);
    } finally {
      server.close();
      await transport.close(0);
    }
  },
);

/** `transport.readWith()` as a {@link Reader}: the path core's receive takes when no signal is given. */
function readingWith(transport: DenoStreamTransport): Reader {
  return { read: () => new Promise((resolve, reject) => transport.readWith({ resolve, reject })) };
}

leakFree(
  "Deno connections: readWith (core's receive) takes chunks from the read that ran ahead, mixed with read(), each intact; end of stream and close reach it",
  async () => {
    const { server, transport } = await connectedTransport();
    try {
      const withSink = readingWith(transport);
      // 1 MiB in 64 KiB writes: after each long chunk the next read runs ahead, so readWith finds
      // it running (the sink waits) or landed (the sink is answered at once).
      const bulk = pattern(1024 * KiB, 500);
      const sending = (async () => {
        for (let offset = 0; offset < bulk.byteLength; offset += 64 * KiB)
          await writeAll(server, bulk.subarray(offset, offset + 64 * KiB));
      })();
      const chunks: Uint8Array[] = [];
      for (let got = 0, i = 0; got < bulk.byteLength; i++) {
        const chunk = await (i % 3 === 2 ? transport : withSink).read();
        if (chunk === null) throw new Error(`end of stream after ${got} bytes`);
        chunks.push(chunk);
        got += chunk.byteLength;
      }
      await sending;
      bytesEqual(concat(chunks), bulk);
      expect(chunks.length).toBeGreaterThan(1);

      // Short messages through readWith, as a request/response connection reads them.
      const short = [pattern(64, 501), pattern(2000, 502), pattern(64, 503)];
      const after: Uint8Array[] = [];
      for (const part of short) {
        await writeAll(server, part);
        await readChunks(withSink, part.byteLength, after);
      }
      bytesEqual(concat(after), concat(short));

      // close() rejects a readWith that waits, at once.
      const waiting = expect(withSink.read()).rejects.toThrow("the socket is closed");
      await transport.close(0);
      await waiting;
      // After close, readWith is refused at once too.
      await expect(withSink.read()).rejects.toThrow("the socket is closed");
    } finally {
      server.close();
      await transport.close(0);
    }
  },
);

leakFree("Deno connections: an end of stream that landed while nobody read reaches the next readWith", async () => {
  const { server, transport } = await connectedTransport();
  try {
    const withSink = readingWith(transport);
    const bulk = pattern(64 * KiB, 510);
    await writeAll(server, bulk);
    server.close();
    const chunks: Uint8Array[] = [];
    await readChunks(withSink, bulk.byteLength, chunks);
    bytesEqual(concat(chunks), bulk);
    // The read that ran ahead after the last long chunk lands end of stream with no reader waiting.
    expect(await withSink.read()).toBeNull();
  } finally {
    await transport.close(0);
  }
});

leakFree("adopted TCP fds read through DirectReads (no 'data' listener), both ways, each chunk intact", async () => {
  const raw = await libcRawSockets(getDenoBinder()).create("inet", "stream", { connected: true });
  const ends: NetStreamTransport[] = [];
  try {
    for (const fd of [raw.fd, ...raw.peerFds]) {
      const info: SocketInfo = await inspectSocket(fd);
      ends.push(await wrapStreamSocket({ fd }, info));
    }
    const [a, b] = ends as [NetStreamTransport, NetStreamTransport];
    expect(a.socket.listenerCount("data")).toBe(0);
    expect(b.socket.listenerCount("data")).toBe(0);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const chunks: Uint8Array[] = [];
      for (const part of PARTS) {
        await from.write(part);
        await readChunks(to, part.byteLength, chunks);
      }
      bytesEqual(concat(chunks), concat(PARTS));
    }
  } finally {
    for (const end of ends) await end.close(0);
    if (ends.length < 2) for (const fd of [raw.fd, ...raw.peerFds].slice(ends.length)) getDenoBinder().close(fd);
  }
});

leakFree("an adopted TCP fd reading short messages keeps its read buffer: no useUserBuffer call per read", async () => {
  const raw = await libcRawSockets(getDenoBinder()).create("inet", "stream", { connected: true });
  const ends: NetStreamTransport[] = [];
  try {
    for (const fd of [raw.fd, ...raw.peerFds]) ends.push(await wrapStreamSocket({ fd }, await inspectSocket(fd)));
    const [a, b] = ends as [NetStreamTransport, NetStreamTransport];
    // Counts the calls into Deno's handle (node:net makes one whenever `onread.buffer()` hands a
    // Uint8Array out after a read), passing each on.
    const handle = (b.socket as unknown as { _handle: { useUserBuffer(buffer: Uint8Array): unknown } })._handle;
    const useUserBuffer = handle.useUserBuffer;
    let calls = 0;
    handle.useUserBuffer = function (this: unknown, buffer: Uint8Array) {
      calls++;
      return useUserBuffer.call(this, buffer);
    };
    const short = (seed: number) => Array.from({ length: 20 }, (_, i) => pattern(64, seed + i));
    const exchange = async (parts: Uint8Array[]): Promise<void> => {
      const chunks: Uint8Array[] = [];
      for (const part of parts) {
        await a.write(part);
        await readChunks(b, part.byteLength, chunks);
      }
      bytesEqual(concat(chunks), concat(parts));
    };
    await exchange(short(600));
    expect(calls).toBe(0);
    // A bulk read hands its buffer over and reads into a fresh one; the first short read after it
    // (the bulk transfer's last read, or the next message) goes back to the shared buffer, and
    // stays there.
    await exchange([pattern(256 * KiB, 650)]);
    const afterBulk = calls;
    expect(afterBulk).toBeGreaterThan(0);
    await exchange(short(700));
    expect(calls).toBeLessThanOrEqual(afterBulk + 1);
  } finally {
    for (const end of ends) await end.close(0);
    if (ends.length < 2) for (const fd of [raw.fd, ...raw.peerFds].slice(ends.length)) getDenoBinder().close(fd);
  }
});

leakFree(
  "an adopted TCP listener's connections read through DirectReads (no 'data' listener), both ways, each chunk intact",
  async () => {
    const raw = await libcRawSockets(getDenoBinder()).create("inet", "stream", { listening: true });
    const info = await inspectSocket(raw.fd);
    const listener = await wrapListenerSocket({ fd: raw.fd }, info);
    const [host, port] = info.localAddress as readonly [string, number];
    const client = await Deno.connect({ hostname: host, port });
    let accepted: NetStreamTransport | undefined;
    try {
      accepted = (await listener.accept()) as NetStreamTransport;
      expect(accepted.socket.listenerCount("data")).toBe(0);
      const clientReader = {
        async read(): Promise<Uint8Array | null> {
          const buffer = new Uint8Array(64 * KiB);
          const n = await client.read(buffer);
          return n === null ? null : buffer.subarray(0, n);
        },
      };
      const received: Uint8Array[] = [];
      const echoed: Uint8Array[] = [];
      for (const part of PARTS) {
        await writeAll(client, part);
        await readChunks(accepted, part.byteLength, received);
        await accepted.write(part);
        await readChunks(clientReader, part.byteLength, echoed);
      }
      bytesEqual(concat(received), concat(PARTS));
      bytesEqual(concat(echoed), concat(PARTS));
    } finally {
      client.close();
      await accepted?.close(0);
      await listener.close();
    }
  },
);
