import net from "node:net";
import { describe, expect, it } from "vitest";
import { inspectSocket, setBackend } from "@portio/core";
import { DirectReads, NetStreamTransport, fdOf } from "@portio/node-shared";
import { wrapListenerSocket } from "../src/adopt-listener.ts";
import { nodeBackend } from "../src/backend.ts";
import { concat, pattern, readExactly, tcpPair } from "./helpers.ts";

const KiB = 1024;

describe("direct reads (net's onread) on Node", () => {
  it("a connecting socket starts reading once connected, with the transport's one 'connect' listener and none of Node's", async () => {
    const server = net.createServer((peer) => peer.end(Uint8Array.of(1, 2, 3)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true, onread: DirectReads.option() });
      const connecting = NetStreamTransport.connect(
        socket,
        { family: "inet", destroyClosesFd: true, directReads: true },
        undefined,
      );
      // A read(0) while connecting would have added Node's own once('connect') (Socket._read).
      expect(socket.listenerCount("connect")).toBe(1);
      const transport = await connecting;
      try {
        expect(socket.listenerCount("connect")).toBe(0);
        expect(await readExactly(transport, 3)).toEqual(new Uint8Array([1, 2, 3]));
        expect(await transport.read()).toBeNull();
      } finally {
        await transport.close(0);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("connected and accepted TCP sockets read without 'data' events, and each chunk stays intact after later reads", async () => {
    const { client, server, close } = await tcpPair();
    try {
      expect(client.socket.listenerCount("data")).toBe(0);
      expect(server.socket.listenerCount("data")).toBe(0);
      // Large writes take the read buffer over, small ones are copied out of it: a buffer reused
      // too early would show as later bytes inside earlier chunks.
      const parts = [pattern(64 * KiB, 1), pattern(100, 2), pattern(48 * KiB, 3), pattern(7, 4), pattern(200 * KiB, 5)];
      const expected = concat(parts);
      const chunks: Uint8Array[] = [];
      for (const part of parts) {
        await server.write(part);
        let got = 0;
        while (got < part.byteLength) {
          const chunk = await client.read();
          expect(chunk).not.toBeNull();
          chunks.push(chunk!);
          got += chunk!.byteLength;
        }
      }
      expect(Buffer.compare(concat(chunks), expected)).toBe(0);
      // Two sockets reading at once share one read buffer: each read must be copied out of it
      // before the other's lands there.
      const other = await tcpPair();
      try {
        // A later accepted socket gets direct reads too (net's symbols are looked up once per process).
        expect(other.server.socket.listenerCount("data")).toBe(0);
        const a = pattern(1000, 6);
        const b = pattern(1000, 7);
        await Promise.all([server.write(a), other.server.write(b)]);
        const [gotA, gotB] = await Promise.all([readExactly(client, a.byteLength), readExactly(other.client, b.byteLength)]);
        expect(Buffer.compare(gotA, a)).toBe(0);
        expect(Buffer.compare(gotB, b)).toBe(0);
      } finally {
        await other.close();
      }
      // And the other way, through the accepted socket's direct reads.
      await client.write(expected);
      expect(Buffer.compare(await readExactly(server, expected.byteLength), expected)).toBe(0);
    } finally {
      await close();
    }
  });

  it("a small read is copied into a plain Uint8Array of its own, not a view of the shared read buffer", async () => {
    const { client, server, close } = await tcpPair();
    try {
      for (const size of [1, 64, 65, 1000]) {
        const message = pattern(size, size % 251);
        await server.write(message);
        const chunk = (await client.read())!;
        const expected = message.subarray(0, chunk.byteLength);
        expect(Buffer.compare(chunk, expected)).toBe(0);
        expect(chunk.constructor).toBe(Uint8Array);
        // Its own memory, exactly its length: nothing of the 64 KiB buffer other sockets read into.
        expect(chunk.byteOffset).toBe(0);
        expect(chunk.buffer.byteLength).toBe(chunk.byteLength);
        if (chunk.byteLength < size) await readExactly(client, size - chunk.byteLength);
        // Its bytes stay as read through later reads, and sent on, it goes out whole.
        await server.write(pattern(size, 7));
        await readExactly(client, size);
        expect(Buffer.compare(chunk, expected)).toBe(0);
        await client.write(chunk);
        expect(Buffer.compare(await readExactly(server, chunk.byteLength), expected)).toBe(0);
      }
    } finally {
      await close();
    }
  });

  it("DirectReads.onto leaves a socket that holds buffered bytes on 'data' (they would come after later reads)", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = net.connect({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.pause();
      socket.unshift(Buffer.from("held"));
      expect(DirectReads.onto(socket)).toBe(false);
      // A socket without buffered bytes takes them; a second time finds them in place.
      const fresh = net.connect({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
      await new Promise((resolve) => fresh.once("connect", resolve));
      fresh.pause();
      expect(DirectReads.onto(fresh)).toBe(true);
      expect(DirectReads.onto(fresh)).toBe(false);
      fresh.destroy();
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reads that come before the transport wraps the socket are kept, in order, and reading goes on after them", async () => {
    const first = pattern(3000, 8);
    const second = pattern(5000, 9);
    const connections: net.Socket[] = [];
    const server = net.createServer((accepted) => {
      connections.push(accepted);
      accepted.write(first);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = net.connect({
      host: "127.0.0.1",
      port: (server.address() as net.AddressInfo).port,
      allowHalfOpen: true,
      onread: DirectReads.option(),
    });
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      // Bounded: the peer writes as it accepts; the early read stops reading until attached.
      for (let turn = 0; turn < 2000 && socket.bytesRead < first.byteLength; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(socket.bytesRead).toBe(first.byteLength);
      const transport = new NetStreamTransport(socket, { family: "inet", destroyClosesFd: true, directReads: true });
      expect(Buffer.compare(await readExactly(transport, first.byteLength), first)).toBe(0);
      connections[0]!.write(second);
      expect(Buffer.compare(await readExactly(transport, second.byteLength), second)).toBe(0);
      await transport.close(0);
    } finally {
      socket.destroy();
      for (const connection of connections) connection.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("an adopted TCP listener's accepted sockets read directly too, and each chunk stays intact", async () => {
    setBackend(nodeBackend); // inspectSocket asks the backend
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const listener = await wrapListenerSocket({ fd: fdOf(server)!, native: server }, await inspectSocket(server));
    const client = net.connect({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    try {
      const accepted = (await listener.accept()) as NetStreamTransport;
      expect(accepted.socket.listenerCount("data")).toBe(0);
      const parts = [pattern(64 * KiB, 10), pattern(10, 11), pattern(150 * KiB, 12)];
      for (const part of parts) client.write(part);
      const expected = concat(parts);
      expect(Buffer.compare(await readExactly(accepted, expected.byteLength), expected)).toBe(0);
      await accepted.close(0);
    } finally {
      client.destroy();
      await listener.close();
    }
  });
});
