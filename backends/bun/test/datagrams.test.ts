/** UDP (Bun.udpSocket), Unix datagrams and socketpair (libc through bun:ffi) on the Bun backend. */
import { describe, expect, test } from "vitest";
import {
  ClosedResourceError,
  SocketAttribute,
  createConnectedUdpSocket,
  createConnectedUnixDatagramSocket,
  createUdpSocket,
  createUnixDatagramSocket,
  socketpair,
} from "@portio/core";
import { getReactor } from "@portio/libc-socket";
import { getBunFfiBinder } from "../src/libc-binder.ts";
import { countFds, expectFdCount, text, utf8, withTempDir } from "./helpers.ts";

/** Resolves once the shared reactor has a poll outstanding on its Worker (bounded in turns). */
async function pollOutstanding(): Promise<void> {
  const reactor = getReactor(getBunFfiBinder());
  for (let turn = 0; turn < 10_000 && !reactor.stats.polling; turn++) await new Promise((r) => setImmediate(r));
  expect(reactor.stats.polling).toBe(true);
}

describe("UDP", () => {
  test("sendto / receive with the sender's address, IPv4 and IPv6", async () => {
    for (const host of ["127.0.0.1", "::1"]) {
      const before = countFds();
      const a = await createUdpSocket({ localHost: host });
      const b = await createUdpSocket({ localHost: host });
      const portB = b.extra(SocketAttribute.localPort);
      await a.sendto(utf8("hi"), host, portB);
      const [data, [fromHost, fromPort]] = await b.receive();
      expect(text(data)).toBe("hi");
      expect([fromHost, fromPort]).toEqual([host, a.extra(SocketAttribute.localPort)]);
      await Promise.all([a.aclose(), b.aclose()]);
      await expectFdCount(before);
    }
  });

  test("connected UDP: send / receive, remote address", async () => {
    const server = await createUdpSocket({ localHost: "127.0.0.1" });
    const port = server.extra(SocketAttribute.localPort);
    const client = await createConnectedUdpSocket("127.0.0.1", port);
    expect(client.extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", port]);
    await client.send(utf8("ping"));
    const [data, from] = await server.receive();
    expect(text(data)).toBe("ping");
    await server.sendto(utf8("pong"), from[0], from[1]);
    expect(text(await client.receive())).toBe("pong");
    await Promise.all([client.aclose(), server.aclose()]);
  });

  test("a receive pending at aclose() rejects with ClosedResourceError", async () => {
    const socket = await createUdpSocket({ localHost: "127.0.0.1" });
    const pending = socket.receive().catch((error: unknown) => error);
    await socket.aclose();
    expect(await pending).toBeInstanceOf(ClosedResourceError);
  });

  test("datagrams arrive whole and in order on loopback", async () => {
    // 100, not more: the sends below never yield to the event loop, so Bun reads nothing while
    // they run, and the kernel's default receive buffer (212 KiB) holds about 160 such datagrams.
    const a = await createUdpSocket({ localHost: "127.0.0.1" });
    const b = await createUdpSocket({ localHost: "127.0.0.1" });
    const port = b.extra(SocketAttribute.localPort);
    for (let i = 0; i < 100; i++) await a.sendto(new Uint8Array(512).fill(i & 255), "127.0.0.1", port);
    for (let i = 0; i < 100; i++) {
      const [data] = await b.receive();
      expect(data.byteLength).toBe(512);
      expect(data[511]).toBe(i & 255);
    }
    await Promise.all([a.aclose(), b.aclose()]);
  });
});

describe("Unix datagrams (libc through bun:ffi)", () => {
  test("sendto / receive with sender paths; connected sockets; mode", async () => {
    await withTempDir(async (dir) => {
      const before = countFds();
      const server = await createUnixDatagramSocket({ localPath: `${dir}/server`, mode: 0o600 });
      const { statSync } = await import("node:fs");
      expect(statSync(`${dir}/server`).mode & 0o777).toBe(0o600);
      const client = await createConnectedUnixDatagramSocket(`${dir}/server`, { localPath: `${dir}/client` });
      await client.send(utf8("hello"));
      const [data, from] = await server.receive();
      expect(text(data)).toBe("hello");
      expect(from).toBe(`${dir}/client`);
      await server.sendto(utf8("back"), from as string);
      expect(text(await client.receive())).toBe("back");
      await Promise.all([client.aclose(), server.aclose()]);
      await expectFdCount(before);
    });
  });

  test("a receive waiting on the poll Worker is woken by data and by aclose()", async () => {
    const [a, b] = await socketpair("dgram");
    const waiting = b.receive();
    await pollOutstanding(); // the receive now waits on the poll Worker
    await a.send(utf8("late"));
    expect(text(await waiting)).toBe("late");
    // The outcome is taken before aclose() rejects it, or vitest would call it unhandled.
    const pending = b.receive().catch((error: unknown) => error);
    await pollOutstanding();
    await b.aclose();
    expect(await pending).toBeInstanceOf(ClosedResourceError);
    await a.aclose();
  });

  test("more waiters than the poll Worker's first shared buffer holds (64 fds), woken one by one", async () => {
    await getReactor(getBunFfiBinder()).whenIdle();
    const before = countFds();
    const pairs = await Promise.all(Array.from({ length: 100 }, () => socketpair("dgram")));
    const receives = pairs.map(([, b]) => b.receive());
    await pollOutstanding(); // one poll over all 100 (and the wake-up fd) on the Worker
    // Reverse order, each awaited before the next send: every one is a fresh poll of the rest.
    for (let i = pairs.length - 1; i >= 0; i--) {
      await pairs[i]![0].send(utf8(`n${i}`));
      expect(text(await receives[i]!)).toBe(`n${i}`);
    }
    await Promise.all(pairs.flatMap(([a, b]) => [a.aclose(), b.aclose()]));
    await getReactor(getBunFfiBinder()).whenIdle();
    await expectFdCount(before);
  });
});

describe("socketpair", () => {
  test("stream pair over Bun sockets, with EOF", async () => {
    // The libc reactor closes its wake-up fd only once the last wait has ended.
    await getReactor(getBunFfiBinder()).whenIdle();
    const before = countFds();
    const [a, b] = await socketpair("stream");
    await a.send(utf8("one"));
    expect(text(await b.receive())).toBe("one");
    await b.send(utf8("two"));
    await b.sendEof();
    expect(text(await a.receive())).toBe("two");
    await expect(a.receive()).rejects.toThrow();
    expect(a.extra(SocketAttribute.remoteAddress)).toBe("");
    await Promise.all([a.aclose(), b.aclose()]);
    await expectFdCount(before);
  });
});
