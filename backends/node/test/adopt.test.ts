/**
 * Adoption on Node: AnyIO's from_socket conformance tests (CONFORMANCE.md 2.1) with both input
 * forms (fd and Node object) and both IP families, the paths AnyIO handles but does not test,
 * bad inputs, the ownership rule (refused: fd open, same file, same blocking mode; adopted:
 * closed by aclose() before it resolves), auto-detection and socketpair().
 */
import dgram from "node:dgram";
import { mkdtempSync, rmSync, openSync, closeSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ConnectedUDPSocket,
  ConnectedUNIXDatagramSocket,
  ConnectionFailed,
  InvalidSocketError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXDatagramSocket,
  UNIXSocketListener,
  UNIXSocketStream,
  inspectSocket,
  setBackend,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { LibcSocket } from "@portio/libc-socket";
import { nodeBackend } from "@portio/node";
import { binder, closeFd, fdTarget, isNonBlocking, rawSocket, reusableUdp, snapshot, type Raw, type RawKind } from "./adopt-helpers.js";
import { openFdCount } from "./helpers.js";

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
  expect(openFdCount()).toBe(fdsBefore);
});

/** A raw socket, cleaned up after the test; call `adopted(raw)` once a wrapper owns its fd. */
async function raw(kind: RawKind, family: "inet" | "inet6" = "inet", nonBlocking = false): Promise<Raw> {
  const made = await rawSocket(kind, { family, dir, nonBlocking });
  raws.push({ raw: made, adopted: false });
  return made;
}
function adopted<T extends { aclose(): Promise<void> }>(made: Raw, resource: T): T {
  const entry = raws.find((r) => r.raw === made);
  if (entry) entry.adopted = true;
  closers.push(() => resource.aclose());
  return resource;
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
  const error = await attempt.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidSocketError);
  expect((error as InvalidSocketError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(fd)).toEqual(before);
}

async function echoOverStream(stream: SocketStream, peer: LibcSocket): Promise<void> {
  await peer.sendAll(utf8.encode("hello"));
  const got = await stream.receive();
  expect(text(got)).toBe("hello");
  await stream.send(utf8.encode("back"));
  expect(text(await peer.recv())).toBe("back");
}

const families = ["inet", "inet6"] as const;
const inputs = ["fd", "native"] as const;

// ---------------------------------------------------------------------------------------------
describe("TestTCPStream", () => {
  for (const family of families) {
    it(`from_socket [${family}, fd]: a connected stream socket becomes a SocketStream`, async () => {
      const r = await raw("tcp-connected", family);
      const stream = adopted(r, await SocketStream.fromSocket(r.fd));
      expect(stream).toBeInstanceOf(SocketStream);
      expect(stream).not.toBeInstanceOf(UNIXSocketStream);
      expect(stream.extra(SocketAttribute.family)).toBe(family);
      expect(stream.extra(SocketAttribute.fd)).toBe(r.fd);
      expect(isNonBlocking(r.fd)).toBe(true);
      await echoOverStream(stream, r.peer!);
      await stream.aclose();
      expect(fdTarget(r.fd)).toBeUndefined(); // released by the time aclose() resolved
    });

    it(`from_socket [${family}, native]: a connected net.Socket becomes a SocketStream`, async () => {
      const host = family === "inet6" ? "::1" : "127.0.0.1";
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
  }

  it("from_socket_not_a_socket: a string is a TypeError", async () => {
    await expect(SocketStream.fromSocket("foo" as never)).rejects.toThrow(new TypeError("expected an int or socket, got string instead"));
  });

  it("from_socket_pass_file_fd: a regular file is ENOTSOCK", async () => {
    const fd = openSync(join(dir, "file"), "w+");
    try {
      await expectRefused(fd, SocketStream.fromSocket(fd), "ENOTSOCK", "the file descriptor does not refer to a socket");
    } finally {
      closeSync(fd);
    }
  });

  it("from_socket_wrong_socket_type: a connected UDP socket", async () => {
    const r = await raw("udp-connected");
    await expectRefused(r.fd, SocketStream.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_STREAM, got SOCK_DGRAM");
  });

  it("from_socket_not_connected: a listening socket", async () => {
    const r = await raw("tcp-listening");
    await expectRefused(r.fd, SocketStream.fromSocket(r.fd), "NOT_CONNECTED", /^the socket must be connected/);
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestTCPListener", () => {
  for (const family of families) {
    for (const input of inputs) {
      it(`from_socket [${family}, ${input}]: a listening socket becomes a SocketListener that accepts`, async () => {
        const host = family === "inet6" ? "::1" : "127.0.0.1";
        let listener: SocketListener;
        let port: number;
        if (input === "fd") {
          const r = await raw("tcp-listening", family);
          port = (r.address as [string, number])[1];
          listener = adopted(r, await SocketListener.fromSocket(r.fd));
        } else {
          const server = net.createServer();
          await new Promise<void>((resolve) => server.listen(0, host, resolve));
          port = (server.address() as net.AddressInfo).port;
          listener = use(await SocketListener.fromSocket(server));
        }
        expect(listener).toBeInstanceOf(SocketListener);
        expect(listener).not.toBeInstanceOf(UNIXSocketListener);
        expect(listener.extra(SocketAttribute.family)).toBe(family);
        expect(listener.extra(SocketAttribute.localPort)).toBe(port);
        const client = use(net.connect(port, host));
        const stream = use(await listener.accept());
        expect(stream).toBeInstanceOf(SocketStream);
        expect(stream.extra(SocketAttribute.family)).toBe(family);
        client.write("hi");
        expect(text(await stream.receive())).toBe("hi");
      });
    }
  }

  it("from_socket_not_bound: a fresh stream socket", async () => {
    const r = await raw("tcp-unbound");
    await expectRefused(r.fd, SocketListener.fromSocket(r.fd), "NOT_BOUND", /^the socket must be bound/);
  });

  it("gap: a bound UDP socket is a type mismatch", async () => {
    const r = await raw("udp-bound");
    await expectRefused(r.fd, SocketListener.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_STREAM, got SOCK_DGRAM");
  });

  it("gap: a bound socket that is not listening yet starts listening", async () => {
    const r = await raw("tcp-bound");
    const listener = adopted(r, await SocketListener.fromSocket(r.fd));
    expect((await inspectSocket(r.fd)).state).toBe("listening");
    const port = (r.address as [string, number])[1];
    use(net.connect(port, "127.0.0.1"));
    use(await listener.accept());
  });

  it("gap: a connected stream socket is refused with CONNECTED", async () => {
    const r = await raw("tcp-connected");
    await expectRefused(r.fd, SocketListener.fromSocket(r.fd), "CONNECTED", /^the socket must not be connected/);
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestUNIXStream", () => {
  it("from_socket [fd]: a connected Unix stream socket becomes a UNIXSocketStream", async () => {
    const r = await raw("unix-stream-connected");
    const stream = adopted(r, await UNIXSocketStream.fromSocket(r.fd));
    expect(stream).toBeInstanceOf(UNIXSocketStream);
    expect(stream.extra(SocketAttribute.family)).toBe("unix");
    await echoOverStream(stream, r.peer!);
  });

  it("from_socket [native]: a connected Unix net.Socket", async () => {
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

  it("SocketStream.fromSocket on an AF_UNIX socket returns the UNIXSocketStream subclass", async () => {
    const r = await raw("unix-stream-connected");
    const stream = adopted(r, await SocketStream.fromSocket(r.fd));
    expect(stream).toBeInstanceOf(UNIXSocketStream);
  });

  it("from_socket_wrong_socket_type: a connected Unix datagram socket", async () => {
    const r = await raw("unix-dgram-connected");
    await expectRefused(r.fd, UNIXSocketStream.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_STREAM, got SOCK_DGRAM");
  });

  for (const family of families) {
    it(`from_socket_wrong_address_family [${family}]: a connected TCP socket`, async () => {
      const r = await raw("tcp-connected", family);
      const name = family === "inet" ? "AF_INET" : "AF_INET6";
      await expectRefused(r.fd, UNIXSocketStream.fromSocket(r.fd), "FAMILY_MISMATCH", `address family mismatch: expected AF_UNIX, got ${name}`);
    });
  }

  it("from_socket_not_connected: a fresh Unix stream socket", async () => {
    const r = await raw("unix-stream-unbound");
    await expectRefused(r.fd, UNIXSocketStream.fromSocket(r.fd), "NOT_CONNECTED", /^the socket must be connected/);
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestUNIXListener", () => {
  for (const input of inputs) {
    it(`from_socket [${input}]: accepted streams are AF_UNIX (AnyIO #1132)`, async () => {
      let listener: SocketListener;
      let path: string;
      if (input === "fd") {
        const r = await raw("unix-listening");
        path = r.address as string;
        listener = adopted(r, await SocketListener.fromSocket(r.fd));
      } else {
        path = join(dir, "native-listen.sock");
        const server = net.createServer();
        await new Promise<void>((resolve) => server.listen(path, resolve));
        listener = use(await UNIXSocketListener.fromSocket(server));
      }
      expect(listener).toBeInstanceOf(UNIXSocketListener);
      expect(listener.extra(SocketAttribute.family)).toBe("unix");
      expect(listener.extra(SocketAttribute.localAddress)).toBe(path);
      const client = use(net.connect(path));
      const stream = use(await listener.accept());
      expect(stream).toBeInstanceOf(UNIXSocketStream);
      expect(stream.extra(SocketAttribute.family)).toBe("unix");
      client.write("x");
      expect(text(await stream.receive())).toBe("x");
    });
  }

  it("UNIXSocketListener.fromSocket refuses a TCP listener", async () => {
    const r = await raw("tcp-listening");
    await expectRefused(r.fd, UNIXSocketListener.fromSocket(r.fd), "FAMILY_MISMATCH", "address family mismatch: expected AF_UNIX, got AF_INET");
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestUDPSocket", () => {
  it("aclose_waits_for_fd_release: the port can be bound again right after aclose()", async () => {
    let port = 0;
    for (let i = 0; i < 2; i++) {
      const fd = await reusableUdp(port);
      const udp = await UDPSocket.fromSocket(fd);
      port = udp.extra(SocketAttribute.localPort);
      await udp.aclose();
      expect(fdTarget(fd) === undefined || !fdTarget(fd)!.startsWith("socket:")).toBe(true);
    }
    // and once more without SO_REUSEADDR on the new socket: nothing holds the port any more
    const check = LibcSocket.create(binder, "inet", "dgram");
    check.bind(["127.0.0.1", port]);
    await check.close();
  });

  for (const family of families) {
    for (const input of inputs) {
      it(`from_socket [${family}, ${input}]: a bound UDP socket becomes a UDPSocket`, async () => {
        const host = family === "inet6" ? "::1" : "127.0.0.1";
        const peer = LibcSocket.create(binder, family, "dgram");
        use(peer);
        peer.bind([host, 0]);
        let udp: UDPSocket;
        if (input === "fd") {
          const r = await raw("udp-bound", family);
          udp = adopted(r, await UDPSocket.fromSocket(r.fd));
        } else {
          const socket = dgram.createSocket(family === "inet6" ? "udp6" : "udp4");
          await new Promise<void>((resolve) => socket.bind(0, host, resolve));
          udp = use(await UDPSocket.fromSocket(socket));
        }
        expect(udp).toBeInstanceOf(UDPSocket);
        expect(udp.extra(SocketAttribute.family)).toBe(family);
        await peer.sendto(utf8.encode("ping"), udp.extra(SocketAttribute.localAddress) as [string, number]);
        const [data, from] = await udp.receive();
        expect(text(data)).toBe("ping");
        await udp.sendto(utf8.encode("pong"), from[0], from[1]);
        expect(text(await peer.recv())).toBe("pong");
      });
    }
  }

  it("from_socket_wrong_socket_type: a connected TCP socket", async () => {
    const r = await raw("tcp-connected");
    await expectRefused(r.fd, UDPSocket.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_DGRAM, got SOCK_STREAM");
  });

  it("gap: an unbound UDP socket must be bound", async () => {
    const r = await raw("udp-unbound");
    await expectRefused(r.fd, UDPSocket.fromSocket(r.fd), "NOT_BOUND", /^the socket must be bound/);
  });

  it("gap: a Unix datagram socket is a family mismatch", async () => {
    const r = await raw("unix-dgram-bound");
    await expectRefused(r.fd, UDPSocket.fromSocket(r.fd), "FAMILY_MISMATCH", "address family mismatch: expected AF_INET or AF_INET6, got AF_UNIX");
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestConnectedUDPSocket", () => {
  it("aclose_waits_for_fd_release: the port can be bound again right after aclose()", async () => {
    const target = LibcSocket.create(binder, "inet", "dgram");
    use(target);
    target.bind(["127.0.0.1", 0]);
    let port = 0;
    for (let i = 0; i < 2; i++) {
      const fd = await reusableUdp(port, target.getsockname() as [string, number]);
      const udp = await ConnectedUDPSocket.fromSocket(fd);
      port = udp.extra(SocketAttribute.localPort);
      await udp.aclose();
    }
    const check = LibcSocket.create(binder, "inet", "dgram");
    check.bind(["127.0.0.1", port]);
    await check.close();
  });

  for (const family of families) {
    for (const input of inputs) {
      it(`from_socket [${family}, ${input}]: a connected UDP socket becomes a ConnectedUDPSocket`, async () => {
        const host = family === "inet6" ? "::1" : "127.0.0.1";
        let udp: ConnectedUDPSocket;
        let peer: LibcSocket;
        if (input === "fd") {
          const r = await raw("udp-connected", family);
          peer = r.peer!;
          udp = adopted(r, await ConnectedUDPSocket.fromSocket(r.fd));
        } else {
          peer = use(LibcSocket.create(binder, family, "dgram"));
          peer.bind([host, 0]);
          const socket = dgram.createSocket(family === "inet6" ? "udp6" : "udp4");
          const [, port] = peer.getsockname() as [string, number];
          await new Promise<void>((resolve) => socket.connect(port, host, () => resolve()));
          await peer.connect(["" + host, (socket.address() as { port: number }).port]);
          udp = use(await ConnectedUDPSocket.fromSocket(socket));
        }
        expect(udp).toBeInstanceOf(ConnectedUDPSocket);
        expect(udp.extra(SocketAttribute.family)).toBe(family);
        await udp.send(utf8.encode("ping"));
        expect(text(await peer.recv())).toBe("ping");
        await peer.send(utf8.encode("pong"));
        expect(text(await udp.receive())).toBe("pong");
      });
    }
  }

  it("from_socket_wrong_socket_type: a connected TCP socket", async () => {
    const r = await raw("tcp-connected");
    await expectRefused(r.fd, ConnectedUDPSocket.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_DGRAM, got SOCK_STREAM");
  });

  it("from_socket_not_connected: a bound, unconnected UDP socket", async () => {
    const r = await raw("udp-bound");
    await expectRefused(r.fd, ConnectedUDPSocket.fromSocket(r.fd), "NOT_CONNECTED", /^the socket must be connected/);
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestUNIXDatagramSocket", () => {
  it("from_socket: a fresh (unbound) Unix datagram socket becomes a UNIXDatagramSocket", async () => {
    const r = await raw("unix-dgram-unbound");
    const sock = adopted(r, await UNIXDatagramSocket.fromSocket(r.fd));
    expect(sock).toBeInstanceOf(UNIXDatagramSocket);
    expect(sock.extra(SocketAttribute.family)).toBe("unix");
  });

  it("from_socket: a bound one receives and answers", async () => {
    const r = await raw("unix-dgram-bound");
    const sock = adopted(r, await UNIXDatagramSocket.fromSocket(r.fd));
    const peer = use(LibcSocket.create(binder, "unix", "dgram"));
    const peerPath = join(dir, "dgram-peer.sock");
    peer.bind(peerPath);
    await peer.sendto(utf8.encode("ping"), r.address as string);
    const [data, from] = await sock.receive();
    expect([text(data), from]).toEqual(["ping", peerPath]);
    await sock.sendto(utf8.encode("pong"), from);
    expect(text(await peer.recv())).toBe("pong");
  });

  it("from_socket_wrong_socket_type: a fresh Unix stream socket", async () => {
    const r = await raw("unix-stream-unbound");
    await expectRefused(r.fd, UNIXDatagramSocket.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_DGRAM, got SOCK_STREAM");
  });

  it("gap: a UDP socket is a family mismatch", async () => {
    const r = await raw("udp-bound");
    await expectRefused(r.fd, UNIXDatagramSocket.fromSocket(r.fd), "FAMILY_MISMATCH", "address family mismatch: expected AF_UNIX, got AF_INET");
  });
});

// ---------------------------------------------------------------------------------------------
describe("TestConnectedUNIXDatagramSocket", () => {
  it("from_socket: a connected Unix datagram socket (socketpair)", async () => {
    const r = await raw("unix-dgram-connected");
    const sock = adopted(r, await ConnectedUNIXDatagramSocket.fromSocket(r.fd));
    expect(sock).toBeInstanceOf(ConnectedUNIXDatagramSocket);
    expect(sock.extra(SocketAttribute.family)).toBe("unix");
    await sock.send(utf8.encode("ping"));
    expect(text(await r.peer!.recv())).toBe("ping");
    await r.peer!.send(utf8.encode("pong"));
    expect(text(await sock.receive())).toBe("pong");
  });

  it("from_socket_wrong_socket_type: a connected Unix stream socket", async () => {
    const r = await raw("unix-stream-connected");
    await expectRefused(r.fd, ConnectedUNIXDatagramSocket.fromSocket(r.fd), "TYPE_MISMATCH", "socket type mismatch: expected SOCK_DGRAM, got SOCK_STREAM");
  });

  it("from_socket_not_connected: a bound Unix datagram socket", async () => {
    const r = await raw("unix-dgram-bound");
    await expectRefused(r.fd, ConnectedUNIXDatagramSocket.fromSocket(r.fd), "NOT_CONNECTED", /^the socket must be connected/);
  });

  it("gap: a connected UDP socket is a family mismatch", async () => {
    const r = await raw("udp-connected");
    await expectRefused(r.fd, ConnectedUNIXDatagramSocket.fromSocket(r.fd), "FAMILY_MISMATCH", "address family mismatch: expected AF_UNIX, got AF_INET");
  });
});

// ---------------------------------------------------------------------------------------------
describe("bad inputs", () => {
  for (const [label, value, shown] of [
    ["-1", -1, "number -1"],
    ["1.5", 1.5, "number 1.5"],
    ["NaN", Number.NaN, "number NaN"],
    ["2**31", 2 ** 31, "number 2147483648"],
    ["a string", "foo", "string"],
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["a plain object", {}, "Object"],
    ["a bigint", 3n, "bigint"],
  ] as const) {
    it(`${label} is a TypeError`, async () => {
      await expect(wrapClientSocket(value as never)).rejects.toThrow(TypeError);
      await expect(wrapServerSocket(value as never)).rejects.toThrow(`expected an int or socket, got ${shown} instead`);
    });
  }

  it("a closed fd is EBADF", async () => {
    const r = await raw("tcp-unbound");
    const fd = r.fd;
    closeFd(fd);
    (raws.find((e) => e.raw === r)!).adopted = true; // already closed
    const error = await wrapClientSocket(fd).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSocketError);
    expect((error as InvalidSocketError).code).toBe("EBADF");
  });

  for (const [label, open] of [
    ["a regular file", () => openSync(join(dir, "regular"), "w+")],
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
      await expectRefused(readEnd, SocketStream.fromSocket(readEnd), "ENOTSOCK", "the file descriptor does not refer to a socket");
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

  it("a listening socket to wrapClientSocket is NOT_CONNECTED", async () => {
    const r = await raw("tcp-listening");
    await expectRefused(r.fd, wrapClientSocket(r.fd), "NOT_CONNECTED", "the socket must be connected (it is listening: adopt it with wrapServerSocket or SocketListener.fromSocket)");
  });

  for (const kind of ["tcp-connected", "unix-stream-connected", "udp-connected", "unix-dgram-connected"] as const) {
    it(`a connected socket (${kind}) to wrapServerSocket is CONNECTED`, async () => {
      const r = await raw(kind);
      await expectRefused(r.fd, wrapServerSocket(r.fd), "CONNECTED", /^the socket must not be connected \(it is connected: adopt it with wrapClientSocket\)/);
    });
  }

  it("an unbound TCP socket to wrapServerSocket is NOT_BOUND, and to wrapClientSocket NOT_CONNECTED", async () => {
    const r = await raw("tcp-unbound", "inet", true);
    await expectRefused(r.fd, wrapServerSocket(r.fd), "NOT_BOUND", /^the socket must be bound/);
    await expectRefused(r.fd, wrapClientSocket(r.fd), "NOT_CONNECTED", /^the socket must be connected/);
    expect(isNonBlocking(r.fd)).toBe(true);
  });

  it("an AF_INET socket to UNIXSocketStream.fromSocket is FAMILY_MISMATCH", async () => {
    const r = await raw("tcp-connected");
    await expectRefused(r.fd, UNIXSocketStream.fromSocket(r.fd), "FAMILY_MISMATCH", "address family mismatch: expected AF_UNIX, got AF_INET");
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
describe("auto-detection", () => {
  const client: Array<[RawKind, new (...args: never[]) => unknown, "inet" | "unix"]> = [
    ["tcp-connected", SocketStream, "inet"],
    ["unix-stream-connected", UNIXSocketStream, "unix"],
    ["udp-connected", ConnectedUDPSocket, "inet"],
    ["unix-dgram-connected", ConnectedUNIXDatagramSocket, "unix"],
  ];
  for (const [kind, Class, family] of client) {
    it(`wrapClientSocket: ${kind} → ${Class.name}`, async () => {
      const r = await raw(kind);
      const adoptedSocket = adopted(r, await wrapClientSocket(r.fd));
      expect(adoptedSocket.constructor).toBe(Class);
      expect(adoptedSocket.extra(SocketAttribute.family)).toBe(family);
    });
  }
  const server: Array<[RawKind, new (...args: never[]) => unknown]> = [
    ["tcp-listening", SocketListener],
    ["tcp-bound", SocketListener],
    ["unix-listening", UNIXSocketListener],
    ["unix-stream-bound", UNIXSocketListener],
    ["udp-bound", UDPSocket],
    ["unix-dgram-bound", UNIXDatagramSocket],
    ["unix-dgram-unbound", UNIXDatagramSocket],
  ];
  for (const [kind, Class] of server) {
    it(`wrapServerSocket: ${kind} → ${Class.name}`, async () => {
      const r = await raw(kind);
      const adoptedSocket = adopted(r, await wrapServerSocket(r.fd));
      expect(adoptedSocket.constructor).toBe(Class);
    });
  }

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
    expect(info).toMatchObject({ fd: r.fd, family: "inet6", type: "stream", state: "connected", connected: true, listening: false });
    expect(info.remoteAddress).toEqual(r.peer!.getsockname());
    expect(isNonBlocking(r.fd)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe("socketpair()", () => {
  it("both ends of a stream pair adopt as UNIXSocketStreams that talk", async () => {
    const [a, b] = LibcSocket.socketpair(binder, "stream");
    const [fa, fb] = [await a.detach(), await b.detach()];
    const left = use(await wrapClientSocket(fa)) as UNIXSocketStream;
    const right = use(await wrapClientSocket(fb)) as UNIXSocketStream;
    expect(left).toBeInstanceOf(UNIXSocketStream);
    await left.send(utf8.encode("ping"));
    expect(text(await right.receive())).toBe("ping");
    await left.sendEof();
    await right.send(utf8.encode("still open"));
    expect(text(await left.receive())).toBe("still open");
  });

  it("a datagram pair adopts as ConnectedUNIXDatagramSockets", async () => {
    const [a, b] = LibcSocket.socketpair(binder, "dgram");
    const left = use(await wrapClientSocket(await a.detach())) as ConnectedUNIXDatagramSocket;
    const right = use(await wrapClientSocket(await b.detach())) as ConnectedUNIXDatagramSocket;
    await left.send(utf8.encode("d"));
    expect(text(await right.receive())).toBe("d");
  });
});

void writeFileSync;
