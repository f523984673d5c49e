// LibcSocket over the koffi binder, on real loopback sockets. Imported by relative path until the
// root vitest config aliases @portio/libc-socket.
import dgram from "node:dgram";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { ClosedResourceError, FdsTruncated } from "@portio/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibcSocket, SystemError, getReactor, inspectSocket } from "@portio/libc-socket";
import { getKoffiBinder } from "../src/libc-binder.ts";

const binder = getKoffiBinder();
const reactor = getReactor(binder);
const fdCount = (): number => readdirSync("/proc/self/fd").length;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hasIPv6Loopback = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.family === "IPv6" && i.address === "::1"),
);

let dir: string;
let fdsBefore: number;
const open: LibcSocket[] = [];
/** Registers sockets for closing in afterAll should a test fail halfway. */
function track<T extends LibcSocket | LibcSocket[]>(value: T): T {
  open.push(...(Array.isArray(value) ? value : [value]));
  return value;
}

beforeAll(() => {
  binder.errno(); // load koffi before counting fds
  dir = mkdtempSync(join(tmpdir(), "portio-libc-"));
  fdsBefore = fdCount();
});

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await reactor.whenIdle();
  expect(fdCount()).toBe(fdsBefore);
  rmSync(dir, { recursive: true, force: true });
});

describe("socketpair", () => {
  it("dgram: a receive waits in the reactor until the peer sends", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "dgram"));
    const received = b.recv();
    expect(reactor.stats.fds).toBe(1); // the first attempt found nothing: it waits for readability
    await a.send(text("ping"));
    expect(await received).toEqual(text("ping"));
    // datagram boundaries hold, and an empty datagram is a datagram
    await a.send(text("one"));
    await a.send(new Uint8Array(0));
    await a.send(text("three"));
    expect(await b.recv()).toEqual(text("one"));
    expect(await b.recv()).toEqual(new Uint8Array(0));
    expect(await b.recv()).toEqual(text("three"));
    await a.close();
    await b.close();
  });

  it("stream: 4 MiB each way with both sides waiting for room and data", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "stream"));
    const size = 4 * 1024 * 1024;
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = (i * 7) & 0xff;
    const drain = async (sock: LibcSocket): Promise<Uint8Array> => {
      const out = new Uint8Array(size);
      let got = 0;
      while (got < size) {
        const chunk = await sock.recv(65536);
        if (chunk.length === 0) throw new Error("unexpected EOF");
        out.set(chunk, got);
        got += chunk.length;
      }
      return out;
    };
    const [, , fromA, fromB] = await Promise.all([a.sendAll(payload), b.sendAll(payload), drain(b), drain(a)]);
    // Buffer.equals: vitest's deep equality walks 4 Mi elements one by one
    expect(Buffer.from(fromA).equals(payload)).toBe(true);
    expect(Buffer.from(fromB).equals(payload)).toBe(true);
    a.shutdown("write");
    expect(await b.recv()).toEqual(new Uint8Array(0)); // EOF
    await a.close();
    await b.close();
  });

  it("a receive blocked on a closed socket rejects with ClosedResourceError", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "dgram"));
    const pending = b.recv();
    await b.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(b.recv()).rejects.toBeInstanceOf(ClosedResourceError);
    await b.close(); // idempotent
    await a.close();
  });

  it("an aborted receive loses no datagram", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "dgram"));
    const controller = new AbortController();
    const pending = b.recv(65536, { signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await a.send(text("kept"));
    expect(await b.recv()).toEqual(text("kept"));
    await expect(b.recv(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await a.close();
    await b.close();
  });
});

describe("unix datagram sockets", () => {
  it("bound to paths: recvfrom gives the sender's path; an unbound sender is ''", async () => {
    const pathA = join(dir, "a.sock");
    const pathB = join(dir, "b.sock");
    const a = track(LibcSocket.create(binder, "unix", "dgram"));
    const b = track(LibcSocket.create(binder, "unix", "dgram"));
    const anonymous = track(LibcSocket.create(binder, "unix", "dgram"));
    a.bind(pathA);
    b.bind(pathB);
    expect(a.getsockname()).toBe(pathA);
    const received = b.recvfrom();
    await a.sendto(text("from a"), pathB);
    expect(await received).toEqual([text("from a"), pathA, false]);
    await anonymous.sendto(text("from nobody"), pathB);
    expect(await b.recvfrom()).toEqual([text("from nobody"), "", false]);
    // reply to the sender's path
    await b.sendto(text("reply"), pathA);
    expect(await a.recvfrom()).toEqual([text("reply"), pathB, false]);
    await expect(a.sendto(text("x"), join(dir, "missing.sock"))).rejects.toMatchObject({
      code: "ENOENT",
      syscall: "sendto",
    });
    for (const s of [a, b, anonymous]) await s.close();
  });

  it("abstract names come back as bytes with the leading NUL", async () => {
    const name = `\0portio-libc-test-${process.pid}`;
    const a = track(LibcSocket.create(binder, "unix", "dgram"));
    const b = track(LibcSocket.create(binder, "unix", "dgram"));
    a.bind(name);
    b.bind(new TextEncoder().encode(`${name}-b`));
    const bytesA = new TextEncoder().encode(name);
    expect(a.getsockname()).toEqual(bytesA);
    await b.sendto(text("hi"), name);
    expect(await a.recvfrom()).toEqual([text("hi"), new TextEncoder().encode(`${name}-b`), false]);
    await a.sendto(text("back"), b.getsockname());
    expect(await b.recvfrom()).toEqual([text("back"), bytesA, false]);
    await a.close();
    await b.close();
  });

  it("a datagram larger than maxBytes is reported as truncated and does not spill into the next", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "dgram"));
    const big = new Uint8Array(3000).fill(7);
    await a.send(big);
    await a.send(text("next"));
    const [data, , truncated] = await b.recvfrom(1000);
    expect(data.length).toBe(1000);
    expect(truncated).toBe(true);
    expect(await b.recvfrom(1000)).toEqual([text("next"), "", false]);
    await a.send(new Uint8Array(1000));
    expect((await b.recvfrom(1000))[2]).toBe(false); // exactly maxBytes is not truncated
    await a.close();
    await b.close();
  });
});

describe("UDP", () => {
  it("IPv4 sendto/recvfrom with the sender's [host, port]", async () => {
    const a = track(LibcSocket.create(binder, "inet", "dgram"));
    const b = track(LibcSocket.create(binder, "inet", "dgram"));
    a.bind(["127.0.0.1", 0]);
    b.bind(["127.0.0.1", 0]);
    const [, portA] = a.getsockname() as [string, number];
    const [, portB] = b.getsockname() as [string, number];
    expect(portA).toBeGreaterThan(0);
    const received = b.recvfrom();
    await a.sendto(text("hello"), ["127.0.0.1", portB]);
    expect(await received).toEqual([text("hello"), ["127.0.0.1", portA], false]);
    await a.close();
    await b.close();
  });

  it.skipIf(!hasIPv6Loopback)("IPv6 sendto/recvfrom, and IPv4-mapped senders on a dual-stack socket", async () => {
    const a = track(LibcSocket.create(binder, "inet6", "dgram"));
    const b = track(LibcSocket.create(binder, "inet6", "dgram"));
    const v4 = track(LibcSocket.create(binder, "inet", "dgram"));
    a.bind(["::1", 0]);
    b.bind(["::", 0]);
    const [, portA] = a.getsockname() as [string, number];
    const [, portB] = b.getsockname() as [string, number];
    await a.sendto(text("six"), ["::1", portB]);
    expect(await b.recvfrom()).toEqual([text("six"), ["::1", portA], false]);
    v4.bind(["127.0.0.1", 0]);
    await v4.sendto(text("four"), ["127.0.0.1", portB]);
    const [, portV4] = v4.getsockname() as [string, number];
    expect(await b.recvfrom()).toEqual([text("four"), ["::ffff:127.0.0.1", portV4], false]);
    for (const s of [a, b, v4]) await s.close();
  });

  it("an oversized datagram is reported, not silently truncated", async () => {
    const a = track(LibcSocket.create(binder, "inet", "dgram"));
    a.bind(["127.0.0.1", 0]);
    const self = a.getsockname();
    await a.sendto(new Uint8Array(9000).fill(1), self);
    const [data, from, truncated] = await a.recvfrom(512);
    expect([data.length, from, truncated]).toEqual([512, self, true]);
    await a.close();
  });

  it("talks to node:dgram both ways", async () => {
    const node = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => node.bind(0, "127.0.0.1", resolve));
    const nodePort = node.address().port;
    const sock = track(LibcSocket.create(binder, "inet", "dgram"));
    sock.bind(["127.0.0.1", 0]);
    const [, ourPort] = sock.getsockname() as [string, number];
    const atNode = new Promise<[Buffer, dgram.RemoteInfo]>((resolve) => node.once("message", (m, r) => resolve([m, r])));
    await sock.sendto(text("to node"), ["127.0.0.1", nodePort]);
    const [message, rinfo] = await atNode;
    expect([message.toString(), rinfo.port]).toEqual(["to node", ourPort]);
    node.send("to libc", ourPort, "127.0.0.1");
    expect(await sock.recvfrom()).toEqual([text("to libc"), ["127.0.0.1", nodePort], false]);
    await new Promise<void>((resolve) => node.close(() => resolve()));
    await sock.close();
  });

  it("a connected UDP socket uses send/recv", async () => {
    const server = track(LibcSocket.create(binder, "inet", "dgram"));
    server.bind(["127.0.0.1", 0]);
    const client = track(LibcSocket.create(binder, "inet", "dgram"));
    await client.connect(server.getsockname());
    await client.send(text("c"));
    const [data, from] = await server.recvfrom();
    expect(data).toEqual(text("c"));
    expect(from).toEqual(client.getsockname());
    expect(client.getpeername()).toEqual(server.getsockname());
    await server.sendto(text("s"), from);
    expect(await client.recv()).toEqual(text("s"));
    await server.close();
    await client.close();
  });
});

describe("TCP", () => {
  it("listen, connect, accept and exchange", async () => {
    const listener = track(LibcSocket.create(binder, "inet", "stream"));
    listener.setsockoptInt(1, 2, 1); // SOL_SOCKET, SO_REUSEADDR (Linux numbers)
    listener.bind(["127.0.0.1", 0]);
    listener.listen();
    const client = track(LibcSocket.create(binder, "inet", "stream"));
    const [[server, peer]] = await Promise.all([listener.accept(), client.connect(listener.getsockname())]);
    track(server);
    expect(peer).toEqual(client.getsockname());
    expect(server.getpeername()).toEqual(client.getsockname());
    await client.sendAll(text("request"));
    expect(await server.recv()).toEqual(text("request"));
    await server.close();
    expect(await client.recv()).toEqual(new Uint8Array(0));
    await client.close();
    await listener.close();
  });

  it("connecting to a bound, non-listening port fails with ECONNREFUSED", async () => {
    const bound = track(LibcSocket.create(binder, "inet", "stream"));
    bound.bind(["127.0.0.1", 0]);
    const client = track(LibcSocket.create(binder, "inet", "stream"));
    const error = await client.connect(bound.getsockname()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemError);
    expect(error).toMatchObject({ code: "ECONNREFUSED", syscall: "connect", address: "127.0.0.1" });
    await client.close();
    await bound.close();
  });

  it("setNonBlocking reports the previous state; connect refuses a blocking fd", async () => {
    const sock = track(LibcSocket.create(binder, "inet", "stream"));
    expect(sock.setNonBlocking(false)).toBe(true);
    expect(sock.setNonBlocking(false)).toBe(false);
    await expect(sock.connect(["127.0.0.1", 9])).rejects.toThrow(/non-blocking/);
    expect(sock.setNonBlocking(true)).toBe(false);
    const adopted = LibcSocket.fromFd(binder, sock.fd);
    expect(adopted.family).toBe("inet");
    expect(adopted.kind).toBe("stream");
    await sock.close();
    expect(() => LibcSocket.fromFd(binder, -1)).toThrow(TypeError);
  });

  it("reports bind errors with the address", () => {
    const a = track(LibcSocket.create(binder, "inet", "stream"));
    a.bind(["127.0.0.1", 0]);
    a.listen();
    const b = track(LibcSocket.create(binder, "inet", "stream"));
    const [, port] = a.getsockname() as [string, number];
    expect(() => b.bind(["127.0.0.1", port])).toThrow(
      expect.objectContaining({ code: "EADDRINUSE", syscall: "bind", port, message: `bind EADDRINUSE 127.0.0.1:${port}` }),
    );
    expect(() => b.bind(["localhost", 1])).toThrow(TypeError);
    expect(() => b.bind("/tmp/x")).toThrow(TypeError);
  });
});

describe("fd passing (SCM_RIGHTS)", () => {
  it("passes a UDP socket and a pipe end over a stream socketpair", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "stream"));
    const udp = track(LibcSocket.create(binder, "inet", "dgram"));
    udp.bind(["127.0.0.1", 0]);
    const pipe = new Uint8Array(8);
    expect(binder.pipe(pipe)).toBe(0);
    const pipeView = new DataView(pipe.buffer);
    const [readEnd, writeEnd] = [pipeView.getInt32(0, true), pipeView.getInt32(4, true)];
    const received = b.receiveFds(16, 4);
    expect(await a.sendFds(text("fds!"), [udp.fd, writeEnd])).toBe(4);
    const [data, fds] = await received;
    expect(data).toEqual(text("fds!"));
    expect(fds).toHaveLength(2);
    expect(fds).not.toContain(udp.fd);
    // the first is a duplicate of the UDP socket: same bound address
    expect(inspectSocket(binder, fds[0]!).localAddress).toEqual(udp.getsockname());
    // the second is the pipe's write end: a byte written through it comes out of the read end
    expect(binder.write(fds[1]!, text("p"), 1)).toBe(1);
    const byte = new Uint8Array(1);
    expect(binder.read(readEnd, byte, 1)).toBe(1);
    expect(byte).toEqual(text("p"));
    for (const fd of [...fds, readEnd, writeEnd]) expect(binder.close(fd)).toBe(0);
    await Promise.all([a.close(), b.close(), udp.close()]);
  });

  it("more fds than maxFds is an error and leaks nothing", async () => {
    const [a, b] = track(LibcSocket.socketpair(binder, "dgram"));
    const before = fdCount();
    await a.sendFds(text("x"), [a.fd, a.fd, a.fd]);
    await expect(b.receiveFds(16, 1)).rejects.toThrow(FdsTruncated);
    expect(fdCount()).toBe(before);
    await expect(a.sendFds(new Uint8Array(0), [a.fd])).rejects.toThrow(RangeError);
    await Promise.all([a.close(), b.close()]);
  });
});
