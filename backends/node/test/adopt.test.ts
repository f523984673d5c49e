/**
 * Adoption on Node, the Node-specific part: Node's own socket objects as input (net.Socket,
 * net.Server, dgram.Socket; AnyIO's "sock" param), non-socket fds only Node opens easily here
 * (/dev/null, a directory, a pipe, a TTY), SOCK_SEQPACKET, destroyed and TLS sockets, { tls }
 * options refused before the fd is touched, a connect still in progress (timing-dependent: it
 * rides on a SYN retransmit) and inspectSocket. The fd-input cases — AnyIO's from_socket tests
 * (CONFORMANCE.md 2.1) and their gaps, auto-detection for every kind, bad inputs, ownership — are
 * in @portio/testkit (suite "adoption"), which conformance.test.ts runs with raw fds from
 * `libcRawSockets` (@portio/libc-socket/testing).
 */
import dgram from "node:dgram";
import { mkdtempSync, rmSync, openSync, closeSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ConnectedUDPSocket,
  ConnectionFailed,
  InvalidSocketError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXSocketListener,
  UNIXSocketStream,
  inspectSocket,
  setBackend,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { LibcSocket } from "@portio/libc-socket";
import { nodeBackend } from "@portio/node";
import { binder, closeFd, fdTarget, isNonBlocking, rawSocket, snapshot, type Raw, type RawKind } from "./adopt-helpers.ts";
import { expectNoFdLeak, openFdCount } from "./helpers.ts";

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

let dir: string;
const raws: Array<{ raw: Raw; adopted: boolean }> = [];
const closers: Array<() => unknown> = [];
let fdsBefore = 0;

beforeAll(() => {
  setBackend(nodeBackend);
  dir = mkdtempSync(join(tmpdir(), "portio-adopt-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  // koffi and the reactor load lazily; make sure that does not count as a leak of the first test.
  await (await raw("unix-dgram-connected")).cleanup(false);
  raws.length = 0;
  fdsBefore = openFdCount();
});
afterEach(async () => {
  while (closers.length > 0) await Promise.resolve(closers.pop()!()).catch(() => {});
  for (const { raw, adopted } of raws.splice(0)) await raw.cleanup(adopted);
  // Node releases a destroyed socket's fd at once but a server's on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  await expectNoFdLeak(fdsBefore);
});

/** A raw socket, cleaned up (fd included) after the test. */
async function raw(kind: RawKind, family: "inet" | "inet6" = "inet", nonBlocking = false): Promise<Raw> {
  const made = await rawSocket(kind, { family, dir, nonBlocking });
  raws.push({ raw: made, adopted: false });
  return made;
}
function use<T extends object>(resource: T): T {
  const r = resource as { aclose?(): unknown; destroy?(): unknown; close?(): unknown };
  closers.push(() => (r.aclose ? r.aclose() : r.destroy ? r.destroy() : r.close!()));
  return resource;
}

/** Starts a non-blocking connect and leaves its outcome (SO_ERROR) for the code under test to read. */
function startConnect(socket: LibcSocket, to: Parameters<LibcSocket["connect"]>[0]): void {
  const stop = new AbortController();
  void socket.connect(to, { signal: stop.signal }).catch(() => {});
  stop.abort();
}

/**
 * Asserts the refusal (class, code, message) AND the ownership rule: the fd is still open, still
 * the same file, and its O_NONBLOCK flag is what it was.
 */
async function expectRefused(fd: number, attempt: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  const before = snapshot(fd);
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidSocketError);
  expect((error as InvalidSocketError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(fd)).toEqual(before);
}

const families = ["inet", "inet6"] as const;
const hostOf = (family: "inet" | "inet6"): string => (family === "inet6" ? "::1" : "127.0.0.1");

// ---------------------------------------------------------------------------------------------
describe("Node objects as input (AnyIO's sock param)", () => {
  for (const family of families) {
    it(`SocketStream.fromSocket [${family}]: a connected net.Socket becomes a SocketStream`, async () => {
      const host = hostOf(family);
      const server = use(net.createServer());
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
      const client = net.connect((server.address() as net.AddressInfo).port, host);
      await new Promise((resolve) => client.once("connect", resolve));
      const peer = await accepted;
      closers.push(() => void peer.destroy());
      const stream = use(await SocketStream.fromSocket(client));
      expect(stream).toBeInstanceOf(SocketStream);
      expect(stream.extra(SocketAttribute.family)).toBe(family);
      peer.write("hello");
      expect(text(await stream.receive())).toBe("hello");
      await stream.aclose();
      expect(client.destroyed).toBe(true);
    });

    it(`SocketStream.fromSocket [${family}]: a paused net.Socket's buffered bytes come first`, async () => {
      const host = hostOf(family);
      const server = use(net.createServer());
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
      const client = net.connect((server.address() as net.AddressInfo).port, host);
      await new Promise((resolve) => client.once("connect", resolve));
      const peer = await accepted;
      closers.push(() => void peer.destroy());
      // Paused by the application, with bytes Node already read into the socket's buffer: the
      // stream must resume it (a 'data' listener alone does not) and hand those bytes out first.
      client.pause();
      peer.write("early");
      for (let i = 0; i < 2000 && client.readableLength === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(client.readableLength).toBe(5);
      const stream = use(await SocketStream.fromSocket(client));
      peer.write("late");
      let received = "";
      while (received.length < "earlylate".length) received += text(await stream.receive());
      expect(received).toBe("earlylate");
    });

    it(`SocketListener.fromSocket [${family}]: a listening net.Server accepts`, async () => {
      const host = hostOf(family);
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      const port = (server.address() as net.AddressInfo).port;
      const listener = use(await SocketListener.fromSocket(server));
      expect(listener).toBeInstanceOf(SocketListener);
      expect(listener).not.toBeInstanceOf(UNIXSocketListener);
      expect(listener.extra(SocketAttribute.family)).toBe(family);
      expect(listener.extra(SocketAttribute.localPort)).toBe(port);
      const client = use(net.connect(port, host));
      const stream = use(await listener.accept());
      expect(stream).toBeInstanceOf(SocketStream);
      client.write("hi");
      expect(text(await stream.receive())).toBe("hi");
    });

    it(`UDPSocket.fromSocket [${family}]: a bound dgram.Socket exchanges datagrams`, async () => {
      const host = hostOf(family);
      const peer = use(LibcSocket.create(binder, family, "dgram"));
      peer.bind([host, 0]);
      const socket = dgram.createSocket(family === "inet6" ? "udp6" : "udp4");
      await new Promise<void>((resolve) => socket.bind(0, host, resolve));
      const udp = use(await UDPSocket.fromSocket(socket));
      expect(udp).toBeInstanceOf(UDPSocket);
      expect(udp.extra(SocketAttribute.family)).toBe(family);
      await peer.sendto(utf8.encode("ping"), udp.extra(SocketAttribute.localAddress) as [string, number]);
      const [data, from] = await udp.receive();
      expect(text(data)).toBe("ping");
      await udp.sendto(utf8.encode("pong"), from[0], from[1]);
      expect(text(await peer.recv())).toBe("pong");
    });

    it(`ConnectedUDPSocket.fromSocket [${family}]: a connected dgram.Socket talks to its peer`, async () => {
      const host = hostOf(family);
      const peer = use(LibcSocket.create(binder, family, "dgram"));
      peer.bind([host, 0]);
      const socket = dgram.createSocket(family === "inet6" ? "udp6" : "udp4");
      const [, port] = peer.getsockname() as [string, number];
      await new Promise<void>((resolve) => socket.connect(port, host, () => resolve()));
      await peer.connect([host, (socket.address() as { port: number }).port]);
      const udp = use(await ConnectedUDPSocket.fromSocket(socket));
      expect(udp).toBeInstanceOf(ConnectedUDPSocket);
      expect(udp.extra(SocketAttribute.family)).toBe(family);
      await udp.send(utf8.encode("ping"));
      expect(text(await peer.recv())).toBe("ping");
      await peer.send(utf8.encode("pong"));
      expect(text(await udp.receive())).toBe("pong");
    });
  }

  it("UNIXSocketStream.fromSocket: a connected Unix net.Socket", async () => {
    const path = join(dir, "native-unix.sock");
    const server = use(net.createServer());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    const client = net.connect(path);
    await new Promise((resolve) => client.once("connect", resolve));
    const peer = await accepted;
    closers.push(() => void peer.destroy());
    const stream = use(await UNIXSocketStream.fromSocket(client));
    expect(stream.extra(SocketAttribute.remoteAddress)).toBe(path);
    peer.write("hello");
    expect(text(await stream.receive())).toBe("hello");
  });

  it("UNIXSocketListener.fromSocket: a listening Unix net.Server yields AF_UNIX streams (AnyIO #1132)", async () => {
    const path = join(dir, "native-listen.sock");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const listener = use(await UNIXSocketListener.fromSocket(server));
    expect(listener).toBeInstanceOf(UNIXSocketListener);
    expect(listener.extra(SocketAttribute.localAddress)).toBe(path);
    const client = use(net.connect(path));
    const stream = use(await listener.accept());
    expect(stream).toBeInstanceOf(UNIXSocketStream);
    expect(stream.extra(SocketAttribute.family)).toBe("unix");
    client.write("x");
    expect(text(await stream.receive())).toBe("x");
  });
});

// ---------------------------------------------------------------------------------------------
describe("bad inputs only Node makes here", () => {
  for (const [label, open] of [
    ["/dev/null", () => openSync("/dev/null", "r")],
    ["a directory", () => openSync(dir, "r")],
  ] as const) {
    it(`${label} is ENOTSOCK, and stays open`, async () => {
      const fd = open();
      try {
        await expectRefused(fd, wrapClientSocket(fd), "ENOTSOCK", "the file descriptor does not refer to a socket");
        await expectRefused(fd, wrapServerSocket(fd), "ENOTSOCK", "the file descriptor does not refer to a socket");
      } finally {
        closeSync(fd);
      }
    });
  }

  it("a pipe is ENOTSOCK, in either blocking mode", async () => {
    const fds = new Uint8Array(8);
    expect(binder.pipe(fds)).toBe(0);
    const view = new DataView(fds.buffer);
    const [readEnd, writeEnd] = [view.getInt32(0, true), view.getInt32(4, true)];
    try {
      await expectRefused(
        readEnd,
        SocketStream.fromSocket(readEnd),
        "ENOTSOCK",
        "the file descriptor does not refer to a socket",
      );
      LibcSocket.fromFd(binder, writeEnd).setNonBlocking(true);
      await expectRefused(writeEnd, UDPSocket.fromSocket(writeEnd), "ENOTSOCK", "the file descriptor does not refer to a socket");
      expect(isNonBlocking(writeEnd)).toBe(true);
    } finally {
      closeFd(readEnd);
      closeFd(writeEnd);
    }
  });

  it("a TTY is ENOTSOCK", async (context) => {
    let fd: number;
    try {
      fd = openSync("/dev/ptmx", "r+");
    } catch (error) {
      context.skip(`no pseudo-terminal available: ${(error as Error).message}`);
      return;
    }
    try {
      await expectRefused(fd, wrapClientSocket(fd), "ENOTSOCK", "the file descriptor does not refer to a socket");
    } finally {
      closeSync(fd);
    }
  });

  it("a SOCK_SEQPACKET socket is refused as an unknown type", async () => {
    const sv = new Uint8Array(8);
    expect(binder.socketpair(1, 5, 0, sv)).toBe(0);
    const view = new DataView(sv.buffer);
    const [a, b] = [view.getInt32(0, true), view.getInt32(4, true)];
    try {
      await expectRefused(a, wrapClientSocket(a), "TYPE_MISMATCH", "expected SOCK_STREAM or SOCK_DGRAM");
    } finally {
      closeFd(a);
      closeFd(b);
    }
  });

  it("a destroyed net.Socket is EBADF; a TLS socket is a TypeError", async () => {
    const socket = new net.Socket();
    const error = await wrapClientSocket(socket).catch((e: unknown) => e);
    expect((error as InvalidSocketError).code).toBe("EBADF");
    const tls = await import("node:tls");
    const tlsSocket = new tls.TLSSocket(new net.Socket());
    await expect(wrapClientSocket(tlsSocket)).rejects.toThrow(/TLSSocket/);
    tlsSocket.destroy();
  });

  it("{ tls } options that cannot work are refused before the fd is touched", async () => {
    const r = await raw("tcp-connected");
    const before = snapshot(r.fd);
    // a client without a hostname to check the certificate against
    await expect(wrapClientSocket(r.fd, { tls: true })).rejects.toThrow();
    expect(snapshot(r.fd)).toEqual(before);
    const l = await raw("tcp-listening");
    const listenerBefore = snapshot(l.fd);
    // a server without a certificate and key
    await expect(wrapServerSocket(l.fd, { tls: {} })).rejects.toThrow();
    expect(snapshot(l.fd)).toEqual(listenerBefore);
  });
});

// ---------------------------------------------------------------------------------------------
describe("connect in progress, inspectSocket", () => {
  it("wrapClientSocket waits for a connect in progress", async () => {
    // A listener with backlog 0 whose queue is full drops the next SYN: that client stays in
    // SYN_SENT until the queue drains and its SYN is retransmitted (about 1 s later).
    const listener = use(LibcSocket.create(binder, "inet", "stream"));
    listener.bind(["127.0.0.1", 0]);
    listener.listen(0);
    const first = use(LibcSocket.create(binder, "inet", "stream"));
    await first.connect(listener.getsockname());
    const second = LibcSocket.create(binder, "inet", "stream");
    startConnect(second, listener.getsockname());
    const fd = second.fd;
    expect((await inspectSocket(fd)).state).toBe("connecting");
    const [accepted] = await listener.accept();
    use(accepted);
    const stream = use(await wrapClientSocket(fd, { signal: AbortSignal.timeout(10_000) }));
    await second.detach();
    expect(stream).toBeInstanceOf(SocketStream);
    const [late] = await listener.accept();
    use(late);
    await (stream as SocketStream).send(utf8.encode("x"));
  }, 15_000);

  it("wrapClientSocket on a connect that fails is ConnectionFailed, the fd left open", async () => {
    const listener = LibcSocket.create(binder, "inet", "stream");
    listener.bind(["127.0.0.1", 0]);
    listener.listen(0);
    const first = use(LibcSocket.create(binder, "inet", "stream"));
    await first.connect(listener.getsockname());
    const second = use(LibcSocket.create(binder, "inet", "stream"));
    startConnect(second, listener.getsockname());
    expect((await inspectSocket(second.fd)).state).toBe("connecting");
    const attempt = wrapClientSocket(second.fd);
    await listener.close(); // the retransmitted SYN now meets a closed port: RST
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(((error as Error).cause as { code?: string }).code).toBe("ECONNREFUSED");
    expect(fdTarget(second.fd)).toMatch(/^socket:/);
  }, 15_000);

  it("inspectSocket reports addresses and never adopts", async () => {
    const r = await raw("tcp-connected", "inet6");
    const info = await inspectSocket(r.fd);
    expect(info).toMatchObject({
      fd: r.fd,
      family: "inet6",
      type: "stream",
      state: "connected",
      connected: true,
      listening: false,
    });
    expect(info.remoteAddress).toEqual(r.peer!.getsockname());
    expect(isNonBlocking(r.fd)).toBe(false);
  });
});
