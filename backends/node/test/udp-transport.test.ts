/**
 * The Node UDP transport below core: what only the Node backend can be asked about (its dgram
 * socket, its queue, its error handling, fd access without deprecation warnings).
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BrokenResourceError, ConnectedUDPSocket, SocketAttribute, UDPSocket, type IPSocketAddress } from "@portio/core";
import { describeFdChange } from "@portio/testkit";
import type { CodedError } from "@portio/node-shared";
import { type NodeDatagramTransport, dgramFdOf } from "../src/datagram-transport.ts";
import { createConnectedUdpSocket, createUdpSocket } from "../src/udp.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** fd → its /proc/self/fd link target, so that a failed check says which fd changed. */
const openFds = (): Map<number, string> => {
  const fds = new Map<number, string>();
  for (const name of readdirSync("/proc/self/fd")) {
    try {
      fds.set(Number(name), readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // the directory listing's own fd, gone once listed
    }
  }
  return fds;
};
const options = { family: "inet", reusePort: false } as const;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

let fdsBefore = new Map<number, string>();
const opened: NodeDatagramTransport[] = [];
const track = (transport: NodeDatagramTransport): NodeDatagramTransport => {
  opened.push(transport);
  return transport;
};
const bound = async (host = "127.0.0.1", family: "inet" | "inet6" = "inet") =>
  track(await createUdpSocket(host, 0, { family, reusePort: false }));

beforeEach(() => {
  fdsBefore = openFds();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((transport) => transport.close()));
  const after = openFds();
  expect(after.size, `open fds after the case: ${describeFdChange(fdsBefore, after)}`).toBe(fdsBefore.size);
});

describe("NodeDatagramTransport", () => {
  it("hands out datagrams as plain Uint8Array views with [host, port] senders", async () => {
    const a = await bound();
    const b = await bound();
    await b.send(utf8("hi"), a.localAddress());
    const [data, sender] = await a.receive();
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
    expect(data).toEqual(utf8("hi"));
    expect(sender).toEqual(b.localAddress());
  });

  it("gives each datagram its own sender while senders alternate, by port and by address alone", async () => {
    // The listener reuses the last sender's tuple while the sender stays the same: a change of
    // port alone, and of address alone (127.0.0.2 on the same port), must each give a new one.
    const a = await bound();
    const b = await bound();
    const c = await bound();
    const d = track(await createUdpSocket("127.0.0.2", b.localAddress()[1], options));
    const order = [b, b, c, b, d, d, b, c];
    for (const [i, from] of order.entries()) await from.send(new Uint8Array([i]), a.localAddress());
    for (const [i, from] of order.entries()) {
      const [data, sender] = await a.receive();
      expect([...data]).toEqual([i]);
      expect(sender).toEqual(from.localAddress());
      expect(Object.isFrozen(sender)).toBe(true);
    }
  });

  it("does not leave an unhandled rejection behind a receive pending at close", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const transport = await bound();
      void transport.receive(); // abandoned, as core abandons it on close
      await transport.close();
      for (let i = 0; i < 3; i++) await nextTurn();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("rejects a receive that waits when the socket closes, and every receive after", async () => {
    const transport = await bound();
    const waiting = transport.receive();
    const closing = transport.close();
    expect(transport.close()).toBe(closing); // idempotent
    await closing;
    expect((await rejection(waiting)) as CodedError).toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    expect((await rejection(transport.receive())) as CodedError).toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    expect(await rejection(transport.send(utf8("x"), ["127.0.0.1", 9]))).toBeInstanceOf(Error);
  });

  it("wakes a pending receive when the dgram socket is closed directly", async () => {
    const transport = await bound();
    const waiting = transport.receive();
    await new Promise<void>((resolve) => transport.socket.close(() => resolve()));
    expect((await rejection(waiting)) as CodedError).toMatchObject({ code: "ERR_SOCKET_CLOSED" });
    await transport.close(); // still resolves
  });

  it("reports a clear ENOTCONN from remoteAddress() of an unconnected socket", async () => {
    const transport = await bound();
    const error = (() => {
      try {
        transport.remoteAddress();
      } catch (e) {
        return e as CodedError;
      }
      throw new Error("remoteAddress() did not throw");
    })();
    expect(error.code).toBe("ENOTCONN");
    expect(error.message).toMatch(/not connected/);
  });

  it("knows its peer when connected, and uses it as the sender of every datagram", async () => {
    const peer = await bound();
    const [peerHost, peerPort] = peer.localAddress();
    const transport = track(await createConnectedUdpSocket(peerHost, peerPort, options));
    expect(transport.remoteAddress()).toEqual([peerHost, peerPort]);
    const [host, port] = transport.localAddress();
    await peer.send(utf8("1"), [host, port]);
    await peer.send(utf8("2"), [host, port]);
    const [, first] = await transport.receive();
    const [, second] = await transport.receive();
    expect(first).toEqual([peerHost, peerPort]);
    expect(second).toBe(first);
  });

  it("reads the fd without Node's DEP0112 deprecation warning for dgram's _handle", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const transport = await bound();
      const fd = transport.fd;
      expect(fd).toBeTypeOf("number");
      expect(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8")).toMatch(/^flags:/m);
      expect(new UDPSocket(transport).extra(SocketAttribute.fd)).toBe(fd);
      await nextTurn(); // warnings are emitted on the next tick
      expect(warnings.map((w) => (w as CodedError).code)).not.toContain("DEP0112");
      await transport.close();
      expect(transport.fd).toBeUndefined();
      expect(dgramFdOf(transport.socket)).toBeUndefined();
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("records ICMP errors reported on recvmsg without failing receive()", async () => {
    const gone = await createUdpSocket("127.0.0.1", 0, options);
    const [, gonePort] = gone.localAddress();
    await gone.close();
    const transport = track(await createConnectedUdpSocket("127.0.0.1", gonePort, options));
    const reported = new Promise<CodedError>((resolve) => transport.socket.once("error", resolve));
    await transport.send(utf8("anyone?"));
    expect((await reported).code).toBe("ECONNREFUSED");
    expect(transport.lastTransientError?.code).toBe("ECONNREFUSED");
    const back = track(await createUdpSocket("127.0.0.1", gonePort, options));
    await back.send(utf8("here"), transport.localAddress());
    expect((await transport.receive())[0]).toEqual(utf8("here"));
  });

  it("fails receive() on any other socket error, after the datagrams already queued", async () => {
    const transport = await bound();
    await transport.send(utf8("queued"), transport.localAddress());
    for (let i = 0; i < 1000 && transport.queue.size === 0; i++) await nextTurn();
    const failure = Object.assign(new Error("recvmsg EBADF"), { code: "EBADF", syscall: "recvmsg" });
    transport.socket.emit("error", failure);
    expect((await transport.receive())[0]).toEqual(utf8("queued"));
    expect(await rejection(transport.receive())).toBe(failure);
    // Core turns it into BrokenResourceError, keeping the cause.
    const error = await rejection(new ConnectedUDPSocket(transport).receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).cause).toBe(failure);
  });

  it("rejects creation with Node's error and closes what it opened", async () => {
    // A udp4 socket cannot bind or connect to an IPv6 address.
    const bindError = (await rejection(createUdpSocket("::1", 0, options))) as CodedError;
    expect(bindError.code).toBe("EINVAL");
    expect(bindError.syscall).toBe("bind");
    const connectError = (await rejection(createConnectedUdpSocket("::1", 9, options))) as CodedError;
    expect(connectError.code).toBe("EINVAL");
    expect(connectError.syscall).toBe("connect");
    // (afterEach checks that no fd was left open)
  });

  it("keeps the system's dual-stack default on IPv6: '::' hears IPv4 senders", async (context) => {
    if (readFileSync("/proc/sys/net/ipv6/bindv6only", "utf8").trim() !== "0") {
      context.skip("net.ipv6.bindv6only is set on this machine");
    }
    const v6 = track(await createUdpSocket("::", 0, { family: "inet6", reusePort: false }));
    const v4 = await bound();
    await v4.send(utf8("v4"), ["127.0.0.1", v6.localAddress()[1]]);
    const [data, sender] = await v6.receive();
    expect(data).toEqual(utf8("v4"));
    expect(sender).toEqual(["::ffff:127.0.0.1", v4.localAddress()[1]] satisfies IPSocketAddress);
  });
});
