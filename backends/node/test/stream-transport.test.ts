import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { CLOSED } from "@portio/core/backend";
import {
  fdTarget,
  isPending,
  openFdCount,
  pattern,
  readAll,
  readExactly,
  tcpNoDelay,
  tcpPair,
  tempDir,
  text,
  unixPair,
  untext,
  type Pair,
} from "./helpers.ts";
import type { NodeStreamTransport } from "../src/index.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

const transports: Array<[string, () => Promise<Pair & { cleanup?: () => void }>]> = [
  ["TCP over 127.0.0.1", () => tcpPair("127.0.0.1")],
  ["TCP over ::1", () => tcpPair("::1")],
  // Unix streams are not node:net streams on Node (they go through libc, for fd passing); the
  // conformance suite runs the same stream contract over them.
];

/**
 * Makes `peer` go away abortively. TCP: an RST (SO_LINGER 0). Unix sockets have no RST, but
 * Linux reports ECONNRESET to the other side when a socket is closed with unread data.
 */
async function abort(peer: NodeStreamTransport, other: NodeStreamTransport): Promise<void> {
  if (peer.family === "unix") {
    // No await between the write and the destroy: the bytes are still in the kernel queue, not
    // yet read ahead by Node.
    const write = other.write(text("unread"));
    peer.socket.destroy();
    await write;
  } else {
    peer.socket.resetAndDestroy();
  }
}

describe.each(transports)("NodeStreamTransport (%s)", (_name, makePair) => {
  async function withPair(body: (p: Pair) => Promise<void>): Promise<void> {
    const p = await makePair();
    try {
      await body(p);
    } finally {
      await p.close();
      p.cleanup?.();
    }
  }

  it("carries bytes both ways as plain Uint8Arrays", () =>
    withPair(async ({ client, server }) => {
      await client.write(text("ping"));
      const got = await readExactly(server, 4);
      expect(untext(got)).toBe("ping");
      await server.write(text("pong"));
      const chunk = await client.read();
      expect(chunk).not.toBeNull();
      expect(Object.getPrototypeOf(chunk)).toBe(Uint8Array.prototype);
      expect(untext(chunk!)).toBe("pong");
    }));

  it("transfers 1 MiB intact while both sides run concurrently", () =>
    withPair(async ({ client, server }) => {
      const data = pattern(MiB, 7);
      const sending = (async () => {
        for (let offset = 0; offset < data.byteLength; offset += 64 * KiB) {
          await client.write(data.subarray(offset, offset + 64 * KiB));
        }
        await client.shutdownWrite();
      })();
      const received = await readAll(server);
      await sending;
      expect(received.byteLength).toBe(MiB);
      expect(Buffer.compare(received, data)).toBe(0);
    }));

  it("holds back writes while the peer does not read, and lets them through once it does", () =>
    withPair(async ({ client, server }) => {
      const chunk = pattern(64 * KiB);
      const limit = 1024; // 64 MiB: far beyond any socket buffer
      let accepted = 0;
      let blocked: Promise<void> | undefined;
      while (accepted < limit) {
        const write = client.write(chunk);
        if (await isPending(write)) {
          blocked = write;
          break;
        }
        accepted++;
      }
      expect(blocked).toBeDefined();
      // Bounds both sides: a receiver that kept reading into its queue (or into Node's Readable
      // buffer) would let every write through. Node's own readableLength says nothing here: the
      // transport reads through `onread` (DirectReads), so it stays 0.
      expect(accepted).toBeLessThan(limit);

      const reading = readAll(server);
      await blocked;
      await client.shutdownWrite();
      const received = await reading;
      expect(received.byteLength).toBe((accepted + 1) * chunk.byteLength);
    }));

  it("half-closes: the peer sees end of stream and can still send back", () =>
    withPair(async ({ client, server }) => {
      await client.write(text("request"));
      await client.shutdownWrite();
      expect(untext(await readAll(server))).toBe("request");
      expect(await server.read()).toBeNull(); // stays at end of stream
      await server.write(text("response"));
      await server.shutdownWrite();
      expect(untext(await readAll(client))).toBe("response");
    }));

  it("wakes a pending read with null when the peer half-closes", () =>
    withPair(async ({ client, server }) => {
      const pending = server.read();
      expect(await isPending(pending)).toBe(true);
      await client.shutdownWrite();
      expect(await pending).toBeNull();
    }));

  it("wakes a pending read with the error when the peer goes away abortively", () =>
    withPair(async ({ client, server }) => {
      const pending = client.read();
      expect(await isPending(pending)).toBe(true);
      await abort(server, client);
      await expect(pending).rejects.toMatchObject({ code: "ECONNRESET" });
    }));

  it("shutdownWrite() twice is harmless", () =>
    withPair(async ({ client, server }) => {
      await client.shutdownWrite();
      await client.shutdownWrite();
      expect(await server.read()).toBeNull();
    }));

  it("refuses writes after shutdownWrite() with EPIPE", () =>
    withPair(async ({ client }) => {
      await client.shutdownWrite();
      await expect(client.write(text("late"))).rejects.toMatchObject({ code: "EPIPE" });
    }));

  it("close() does not wait for the peer to close its side", () =>
    withPair(async ({ client, server }) => {
      // The server neither reads nor closes; close() must still finish.
      await client.write(text("bye"));
      await client.close(10_000);
      expect(untext(await readAll(server))).toBe("bye");
    }));

  it("close() flushes data written before it", () =>
    withPair(async ({ client, server }) => {
      const chunk = pattern(64 * KiB, 3);
      let written = 0;
      // Fill the buffers until a write is held back, then close with that write still pending.
      for (let i = 0; i < 1024; i++) {
        const write = client.write(chunk);
        written += chunk.byteLength;
        if (await isPending(write)) {
          write.catch(() => {});
          break;
        }
      }
      const closing = client.close(60_000);
      const received = await readAll(server);
      await closing;
      expect(received.byteLength).toBe(written);
    }));

  it("close() gives up flushing after the timeout when the peer never reads", () =>
    withPair(async ({ client }) => {
      const chunk = pattern(64 * KiB);
      for (let i = 0; i < 1024; i++) {
        const write = client.write(chunk);
        if (await isPending(write)) {
          write.catch(() => {});
          break;
        }
      }
      const fd = client.fd!;
      const target = fdTarget(fd);
      await client.close(1);
      expect(fdTarget(fd)).not.toBe(target);
    }));

  it("close() releases the fd and leaves no pending read dangling", () =>
    withPair(async ({ client }) => {
      const fd = client.fd;
      expect(fd).toBeGreaterThanOrEqual(0);
      const target = fdTarget(fd!);
      expect(target).toMatch(/^socket:/);
      const pending = client.read();
      await client.close(1000);
      // Either outcome is allowed by the contract; it just must not be an unhandled rejection.
      await pending.then(
        (value) => expect(value).toBeNull(),
        (error) => expect(error).toMatchObject({ code: "ERR_SOCKET_CLOSED" }),
      );
      expect(fdTarget(fd!)).not.toBe(target);
      expect(client.fd).toBeUndefined();
      await client.close(1000); // the second call is the same promise
    }));

  it("close() of an accepted connection releases its fd before it resolves", () =>
    withPair(async ({ server }) => {
      const fd = server.fd;
      expect(fd).toBeGreaterThanOrEqual(0);
      const target = fdTarget(fd!);
      expect(target).toMatch(/^socket:/);
      // Node's 'close' event comes a loop turn after destroy(); the fd must be gone before it.
      let closeEmitted = false;
      server.socket.once("close", () => {
        closeEmitted = true;
      });
      await server.close(1000);
      expect(fdTarget(fd!)).not.toBe(target);
      expect(server.fd).toBeUndefined();
      expect(closeEmitted).toBe(false);
    }));

  it("close() with nothing to flush returns core's CLOSED, the fd already released when it returns", () =>
    withPair(async ({ server }) => {
      const fd = server.fd!;
      const target = fdTarget(fd);
      const closing = server.close(1000);
      // CLOSED tells serve() and aclose() that there is nothing to await.
      expect(closing).toBe(CLOSED);
      expect(fdTarget(fd)).not.toBe(target);
      // The second call returns the same marker.
      expect(server.close(1000)).toBe(CLOSED);
    }));

  it("reports the socket fd and family", () =>
    withPair(async ({ client, server, listener }) => {
      expect(client.family).toBe(listener.family);
      expect(server.family).toBe(listener.family);
      expect(fdTarget(client.fd!)).toMatch(/^socket:/);
      expect(fdTarget(server.fd!)).toMatch(/^socket:/);
    }));

  it("keeps data that arrived before a reset, then fails with the reset", () =>
    withPair(async ({ client, server }) => {
      await client.write(text("last words"));
      expect(client.socket.writableLength).toBe(0); // handed to the kernel
      await abort(client, server);
      expect(untext(await readExactly(server, 10))).toBe("last words");
      const outcome = await server.read().then(
        (value) => value,
        (error: unknown) => error,
      );
      if (outcome === null) {
        // libuv before 1.52 (Node 20) takes POLLHUP after a short read for end of stream and
        // never reads the ECONNRESET; the reset then shows on the next writes instead.
        expect(Number(process.versions.node.split(".")[0])).toBeLessThan(24);
        let failure: unknown;
        for (let i = 0; i < 16 && failure === undefined; i++) {
          failure = await server.write(text("x")).then(
            () => undefined,
            (error: unknown) => error,
          );
        }
        expect(["EPIPE", "ECONNRESET"]).toContain((failure as { code?: string } | undefined)?.code);
        await expect(server.write(text("x"))).rejects.toBe(failure);
      } else {
        expect(outcome).toMatchObject({ code: "ECONNRESET" });
        // The error sticks: later reads and writes fail with it too.
        await expect(server.read()).rejects.toBe(outcome);
        await expect(server.write(text("x"))).rejects.toBe(outcome);
      }
      await server.close(1000); // safe on a failed socket
    }));
});

describe("NodeStreamTransport after a peer reset", () => {
  it("rejects a pending write with the socket error", async () => {
    const { client, server, close } = await tcpPair();
    try {
      const chunk = pattern(64 * KiB);
      let blocked: Promise<void> | undefined;
      for (let i = 0; i < 1024 && blocked === undefined; i++) {
        const write = client.write(chunk);
        if (await isPending(write)) blocked = write;
      }
      expect(blocked).toBeDefined();
      await abort(server, client);
      const error = await blocked!.then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(["ECONNRESET", "EPIPE"]).toContain(error?.code);
    } finally {
      await close();
    }
  });
});

describe("NodeStreamTransport addresses and options", () => {
  it("reports [host, port] for TCP on both ends", async () => {
    for (const host of ["127.0.0.1", "::1"]) {
      const { client, server, listener, close } = await tcpPair(host);
      try {
        const [, port] = listener.localAddress() as [string, number];
        expect(client.family).toBe(host === "::1" ? "inet6" : "inet");
        expect(client.remoteAddress()).toEqual([host, port]);
        expect(server.localAddress()).toEqual([host, port]);
        expect(server.remoteAddress()).toEqual(client.localAddress());
        const [localHost] = client.localAddress() as [string, number];
        expect(localHost).toBe(host); // no brackets around IPv6
      } finally {
        await close();
      }
    }
  });

  it("reports Unix paths: the connected-to path for a client, the listener's path when accepted", async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, "addr.sock");
    const { client, server, listener, close } = await unixPair(path);
    try {
      expect(listener.family).toBe("unix");
      expect(listener.localAddress()).toBe(path);
      expect(client.family).toBe("unix");
      expect(client.remoteAddress()).toBe(path);
      expect(client.localAddress()).toBe("");
      expect(server.localAddress()).toBe(path);
      expect(server.remoteAddress()).toBe("");
    } finally {
      await close();
      tmp.remove();
    }
  });

  it("reports abstract Unix names as bytes", async () => {
    const name = `\0portio-node-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const bytes = new TextEncoder().encode(name);
    const { client, server, listener, close } = await unixPair(bytes);
    try {
      expect(listener.localAddress()).toEqual(bytes);
      expect(client.remoteAddress()).toEqual(bytes);
      expect(server.localAddress()).toEqual(bytes);
      await client.write(text("abstract"));
      expect(untext(await readExactly(server, 8))).toBe("abstract");
    } finally {
      await close();
    }
  });

  it("sets TCP_NODELAY on connected and accepted TCP sockets, never on Unix sockets", async (context) => {
    const tcp = await tcpPair();
    const tmp = tempDir();
    const unix = await unixPair(join(tmp.dir, "nd.sock"));
    try {
      const client = tcpNoDelay(tcp.client.fd!);
      if (client === undefined) context.skip("python3 is missing, so the kernel cannot be asked for TCP_NODELAY");
      expect(client).toBe(1);
      expect(tcpNoDelay(tcp.server.fd!)).toBe(1);
      expect(tcpNoDelay(unix.client.fd!)).toBe("ENOTTCP");
      expect(tcpNoDelay(unix.server.fd!)).toBe("ENOTTCP");
    } finally {
      await Promise.all([tcp.close(), unix.close()]);
      tmp.remove();
    }
  });

  it("returns to the same number of open fds after a connection is closed", async () => {
    // Warm up once so lazily opened process-wide fds do not count.
    await (await tcpPair()).close();
    const before = openFdCount();
    const p = await tcpPair();
    expect(openFdCount()).toBe(before + 3);
    await p.close();
    expect(openFdCount()).toBe(before);
  });
});
