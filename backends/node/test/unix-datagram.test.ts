/**
 * Unix datagram sockets on the Node backend, through portio's public API: AnyIO's
 * TestUNIXDatagramSocket and TestConnectedUNIXDatagramSocket (CONFORMANCE.md 2.2) plus portio's
 * own cases (oversized datagrams, cancellation, fd release, stale socket files, mode). Real
 * sockets in a temporary directory and the abstract namespace; every test leaves the fd count as
 * it found it.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BusyResourceError, ClosedResourceError, ConnectedUNIXDatagramSocket, DatagramTooLargeError, SocketAttribute,
  TypedAttributeLookupError, UNIXDatagramSocket, createConnectedUnixDatagramSocket, createUnixDatagramSocket,
  setBackend, socketpair, type SocketAddress,
} from "@portio/core";
import { LINUX, getReactor, setsockoptInt } from "@portio/libc-socket";
import { nodeBackend } from "@portio/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getKoffiBinder } from "../src/libc-binder.js";
import { fdTarget, isPending, openFdCount, tempDir, text, untext } from "./helpers.js";

const binder = getKoffiBinder();
const reactor = getReactor(binder);
const utf8 = new TextEncoder();

type PathKind = "path" | "abstract";
type PathForm = "str" | "bytes";
const pathKinds: PathKind[] = ["path", "abstract"];
const pathForms: PathForm[] = ["str", "bytes"];

let temp: ReturnType<typeof tempDir>;
let counter = 0;
/** A fresh socket address of the given kind: a file in the temp dir, or an abstract name. */
function socketPath(kind: PathKind): string {
  counter++;
  return kind === "path" ? join(temp.dir, `s${counter}.sock`) : `\0portio-test-${process.pid}-${counter}`;
}
const inForm = (path: string, form: PathForm): string | Uint8Array => (form === "str" ? path : utf8.encode(path));
/** Like Python's os.fsencode: addresses compared as bytes, whichever form they came in. */
const fsencode = (address: SocketAddress): Uint8Array => {
  if (typeof address === "string") return utf8.encode(address);
  if (address instanceof Uint8Array) return address;
  throw new TypeError(`not a Unix address: ${String(address)}`);
};

type Closable = { aclose(): Promise<void> };
const open: Closable[] = [];
/** Registers a resource for closing after the test, should the test fail halfway. */
function track<T extends Closable>(resource: T): T {
  open.push(resource);
  return resource;
}
const unix = async (options?: Parameters<typeof createUnixDatagramSocket>[0]) => track(await createUnixDatagramSocket(options));
const connected = async (remote: string | Uint8Array, options?: Parameters<typeof createUnixDatagramSocket>[0]) =>
  track(await createConnectedUnixDatagramSocket(remote, options));

const reject = (promise: Promise<unknown>): Promise<unknown> => promise.then(
  (value) => { throw new Error(`expected a rejection, got ${String(value)}`); },
  (error: unknown) => error,
);

let fdsBefore = 0;

beforeAll(async () => {
  setBackend(nodeBackend);
  temp = tempDir();
  // Warm-up: koffi's library handle and libuv's thread pool stay for the life of the process.
  const [a, b] = await socketpair("dgram");
  const received = b.receive();
  await a.send(text("warm-up"));
  await received;
  await Promise.all([a.aclose(), b.aclose()]);
  await reactor.whenIdle();
});

afterAll(() => temp.remove());

beforeEach(() => {
  fdsBefore = openFdCount();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.aclose()));
  await reactor.whenIdle();
  expect(openFdCount()).toBe(fdsBefore);
});

describe("UNIXDatagramSocket (AnyIO TestUNIXDatagramSocket)", () => {
  it.each(pathKinds)("extra attributes [%s]", async (kind) => {
    const path = socketPath(kind);
    const sock = await unix({ localPath: path });
    expect(sock).toBeInstanceOf(UNIXDatagramSocket);
    const fd = sock.extra(SocketAttribute.fd);
    expect(fdTarget(fd)).toMatch(/^socket:/);
    expect(binder.fcntl(fd, LINUX.F_GETFL, 0) & LINUX.O_NONBLOCK).toBe(LINUX.O_NONBLOCK);
    expect(sock.extra(SocketAttribute.family)).toBe("unix");
    expect(fsencode(sock.extra(SocketAttribute.localAddress))).toEqual(utf8.encode(path));
    // abstract names are reported as bytes, paths as strings
    expect(typeof sock.extra(SocketAttribute.localAddress)).toBe(kind === "path" ? "string" : "object");
    expect(() => sock.extra(SocketAttribute.localPort)).toThrow(TypedAttributeLookupError);
    expect(() => sock.extra(SocketAttribute.remoteAddress)).toThrow(TypedAttributeLookupError);
    expect(() => sock.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
  });

  for (const kind of pathKinds) {
    it.each(pathForms)(`send and receive [${kind}, %s]`, async (form) => {
      const path = socketPath(kind);
      const sock = await unix({ localPath: inForm(path, form) });
      await sock.sendto(text("blah"), inForm(path, form));
      const [data, sender] = await sock.receive();
      expect(untext(data)).toBe("blah");
      expect(fsencode(sender)).toEqual(utf8.encode(path));
      await sock.send([text("halb"), inForm(path, form)]);
      expect(untext((await sock.receive())[0])).toBe("halb");
    });
  }

  it.each(pathKinds)("iterate: an echo server with for await [%s]", async (kind) => {
    const serverPath = socketPath(kind);
    const clientPath = socketPath(kind);
    const server = await unix({ localPath: serverPath });
    const client = await unix({ localPath: clientPath });
    const serving = (async () => {
      for await (const [packet, sender] of server) {
        await server.sendto(packet.slice().reverse(), sender);
      }
    })();
    await client.sendto(text("FOOBAR"), serverPath);
    const [reply, from] = await client.receive();
    expect(untext(reply)).toBe("RABOOF");
    expect(fsencode(from)).toEqual(utf8.encode(serverPath));
    await server.aclose();
    await serving; // a close ends the iteration quietly
  });

  it("an unnamed sender is reported as an empty string", async () => {
    const path = socketPath("path");
    const server = await unix({ localPath: path });
    const anonymous = await unix();
    expect(anonymous.extra(SocketAttribute.localAddress)).toBe("");
    await anonymous.sendto(text("who?"), path);
    expect(await server.receive()).toEqual([text("who?"), ""]);
  });

  it("concurrent receive: BusyResourceError", async () => {
    const sock = await unix({ localPath: socketPath("path") });
    const first = reject(sock.receive());
    await expect(sock.receive()).rejects.toThrow(BusyResourceError);
    await expect(sock.receive()).rejects.toThrow("Another task is already reading from this resource");
    await sock.aclose();
    expect(await first).toBeInstanceOf(ClosedResourceError);
  });

  it("close during receive: ClosedResourceError", async () => {
    const sock = await unix({ localPath: socketPath("path") });
    const pending = sock.receive();
    expect(await isPending(pending)).toBe(true);
    await sock.aclose();
    await expect(pending).rejects.toThrow(ClosedResourceError);
  });

  it("receive and send after close: ClosedResourceError", async () => {
    const path = socketPath("path");
    const sock = await unix({ localPath: path });
    await sock.aclose();
    await sock.aclose(); // idempotent
    await expect(sock.receive()).rejects.toThrow(ClosedResourceError);
    await expect(sock.sendto(text("x"), path)).rejects.toThrow(ClosedResourceError);
  });

  it("a local path given as bytes", async () => {
    const path = socketPath("path");
    const sock = await unix({ localPath: utf8.encode(path) });
    expect(existsSync(path)).toBe(true);
    expect(sock.extra(SocketAttribute.localAddress)).toBe(path);
  });

  it("a local path that is not valid UTF-8", async () => {
    const path = new Uint8Array([...utf8.encode(join(temp.dir, "bad-")), 0xf0, 0x28, 0x8c]);
    const sock = await unix({ localPath: path });
    expect(existsSync(Buffer.from(path))).toBe(true);
    expect(sock.extra(SocketAttribute.localAddress)).toEqual(path);
    // the exact bytes come back as the sender, and work as a destination
    await sock.sendto(text("raw"), path);
    const [data, sender] = await sock.receive();
    expect(untext(data)).toBe("raw");
    expect(sender).toEqual(path);
  });
});

describe("ConnectedUNIXDatagramSocket (AnyIO TestConnectedUNIXDatagramSocket)", () => {
  for (const kind of pathKinds) {
    for (const peerKind of pathKinds) {
      it.each(pathForms)(`extra attributes [${kind}, ${peerKind}-peer, %s]`, async (form) => {
        const path = socketPath(kind);
        const peerPath = socketPath(peerKind);
        await unix({ localPath: peerPath });
        const sock = await connected(inForm(peerPath, form), { localPath: inForm(path, form) });
        expect(sock).toBeInstanceOf(ConnectedUNIXDatagramSocket);
        expect(sock.extra(SocketAttribute.family)).toBe("unix");
        expect(fsencode(sock.extra(SocketAttribute.localAddress))).toEqual(utf8.encode(path));
        expect(fsencode(sock.extra(SocketAttribute.remoteAddress))).toEqual(utf8.encode(peerPath));
        expect(() => sock.extra(SocketAttribute.localPort)).toThrow(TypedAttributeLookupError);
        expect(() => sock.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
      });

      it.each(pathForms)(`send and receive [${kind}, ${peerKind}-peer, %s]`, async (form) => {
        const path = socketPath(kind);
        const peerPath = socketPath(peerKind);
        const peer = await unix({ localPath: inForm(peerPath, form) });
        const sock = await connected(inForm(peerPath, form), { localPath: inForm(path, form) });
        await sock.send(text("blah"));
        const [data, sender] = await peer.receive();
        expect(untext(data)).toBe("blah");
        expect(fsencode(sender)).toEqual(utf8.encode(path));
        await peer.sendto(text("halb"), sender);
        expect(untext(await sock.receive())).toBe("halb");
      });
    }
  }

  it("iterate", async () => {
    const serverPath = socketPath("path");
    const server = await unix({ localPath: serverPath });
    const client = await connected(serverPath, { localPath: socketPath("path") });
    const serving = (async () => {
      for await (const [packet, sender] of server) await server.sendto(packet.slice().reverse(), sender);
    })();
    const echoed: string[] = [];
    await client.send(text("FOO"));
    for await (const packet of client) {
      echoed.push(untext(packet));
      if (echoed.length === 2) break;
      await client.send(text("BAR"));
    }
    expect(echoed).toEqual(["OOF", "RAB"]);
    await server.aclose();
    await serving;
  });

  it("concurrent receive, close during receive, receive and send after close", async () => {
    const peerPath = socketPath("abstract");
    await unix({ localPath: peerPath });
    const sock = await connected(peerPath);
    const first = sock.receive();
    await expect(sock.receive()).rejects.toThrow(BusyResourceError);
    expect(await isPending(first)).toBe(true);
    await sock.aclose();
    await expect(first).rejects.toThrow(ClosedResourceError);
    await expect(sock.receive()).rejects.toThrow(ClosedResourceError);
    await expect(sock.send(text("x"))).rejects.toThrow(ClosedResourceError);
  });

  it("connecting to nothing: ENOENT for a missing path, ECONNREFUSED for an unbound name", async () => {
    const missing = await reject(createConnectedUnixDatagramSocket(join(temp.dir, "nobody.sock")));
    expect((missing as { code?: string }).code).toBe("ENOENT");
    const refused = await reject(createConnectedUnixDatagramSocket(socketPath("abstract")));
    expect((refused as { code?: string }).code).toBe("ECONNREFUSED");
  });
});

describe("portio's own datagram cases", () => {
  it("a datagram larger than the receive buffer: DatagramTooLargeError, and the next one arrives", async () => {
    const path = socketPath("path");
    const receiver = await unix({ localPath: path });
    const sender = await unix();
    // Linux caps a Unix datagram at the sender's SO_SNDBUF; raise it so that 300 kB can go.
    setsockoptInt(binder, sender.extra(SocketAttribute.fd), LINUX.SOL_SOCKET, LINUX.SO_SNDBUF, 1 << 20);
    const big = new Uint8Array(300_000).fill(7);
    await sender.sendto(big, path);
    await sender.sendto(text("after"), path);
    const error = await reject(receiver.receive());
    expect(error).toBeInstanceOf(DatagramTooLargeError);
    expect(error).toMatchObject({ size: 300_000, bufferSize: 256 * 1024 });
    expect(await receiver.receive()).toEqual([text("after"), ""]);
    // the largest datagram a sender with the default SO_SNDBUF can send still fits
    const defaultSender = await unix();
    const largest = new Uint8Array(212_960).fill(9);
    await defaultSender.sendto(largest, path);
    const [data] = await receiver.receive();
    expect(data.length).toBe(largest.length);
    expect(Buffer.from(data).equals(largest)).toBe(true);
  });

  it("a received datagram is a copy of exactly its bytes", async () => {
    const [a, b] = track2(await socketpair("dgram"));
    await a.send(new Uint8Array(1000).fill(1));
    await a.send(text("xy"));
    const first = await b.receive();
    const second = await b.receive();
    expect(first.length).toBe(1000);
    expect(second).toEqual(text("xy"));
    expect(first.buffer.byteLength).toBe(1000); // not a view into a shared buffer
    expect(first.every((byte) => byte === 1)).toBe(true);
  });

  it("a cancelled receive loses no datagram", async () => {
    const path = socketPath("abstract");
    const sock = await unix({ localPath: path });
    const controller = new AbortController();
    const cancelled = sock.receive({ signal: controller.signal });
    controller.abort(new Error("cancelled"));
    await expect(cancelled).rejects.toThrow("cancelled");
    await sock.sendto(text("kept"), path);
    expect(untext((await sock.receive())[0])).toBe("kept");
    // and with a datagram arriving while nobody waits after a timeout
    await expect(sock.receive({ signal: AbortSignal.timeout(20) })).rejects.toThrow();
    await sock.sendto(text("kept too"), path);
    expect(untext((await sock.receive())[0])).toBe("kept too");
  });

  it("aclose releases the fd before it resolves, and the path can be bound again at once", async () => {
    const path = socketPath("path");
    const sock = await createUnixDatagramSocket({ localPath: path });
    const fd = sock.extra(SocketAttribute.fd);
    const pending = sock.receive();
    await sock.aclose();
    expect(fdTarget(fd)).toBeUndefined();
    await expect(pending).rejects.toThrow(ClosedResourceError);
    const abstract = socketPath("abstract");
    const first = await createUnixDatagramSocket({ localPath: abstract });
    await first.aclose();
    // an abstract name is free the moment its fd is closed
    const again = await unix({ localPath: abstract });
    await again.sendto(text("x"), abstract);
    expect(untext((await again.receive())[0])).toBe("x");
  });

  it("a stale socket file is replaced; any other file is left alone", async () => {
    const path = socketPath("path");
    const first = await createUnixDatagramSocket({ localPath: path });
    await first.aclose();
    expect(statSync(path).isSocket()).toBe(true); // left behind, as by a crashed process
    const second = await unix({ localPath: path });
    await second.sendto(text("fresh"), path);
    expect(untext((await second.receive())[0])).toBe("fresh");

    const regular = join(temp.dir, "not-a-socket");
    writeFileSync(regular, "precious");
    const error = await reject(createUnixDatagramSocket({ localPath: regular }));
    expect((error as { code?: string }).code).toBe("EADDRINUSE");
    expect(statSync(regular).isFile()).toBe(true);
  });

  it("mode is applied to the socket file", async () => {
    const path = socketPath("path");
    await unix({ localPath: path, mode: 0o600 });
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    const other = socketPath("path");
    await connected(path, { localPath: other, mode: 0o640 });
    expect(statSync(other).mode & 0o7777).toBe(0o640);
    // no file, no mode: an abstract name takes the option quietly
    await unix({ localPath: socketPath("abstract"), mode: 0o600 });
  });

  it("an unconnected sender outpacing its receiver's queue gets everything through, in order", async () => {
    // net.unix.max_dgram_qlen (10 by default) bounds the receiver's queue, and Linux never
    // reports an unconnected sender writable again: the send's backoff must carry it through.
    const path = socketPath("path");
    const receiver = await unix({ localPath: path });
    const sender = await unix();
    const count = 200;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await sender.sendto(text(String(i)), path);
    })();
    const got: string[] = [];
    for (let i = 0; i < count; i++) got.push(untext((await receiver.receive())[0]));
    await sending;
    expect(got).toEqual(Array.from({ length: count }, (_, i) => String(i)));
  });

  it("a connected sender waits for its receiver's queue to drain", async () => {
    const path = socketPath("path");
    const receiver = await unix({ localPath: path });
    const sender = await connected(path);
    const count = 200;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await sender.send(text(String(i)));
    })();
    const got: string[] = [];
    for (let i = 0; i < count; i++) got.push(untext((await receiver.receive())[0]));
    await sending;
    expect(got).toEqual(Array.from({ length: count }, (_, i) => String(i)));
  });
});

function track2<T extends Closable>(pair: [T, T]): [T, T] {
  track(pair[0]);
  track(pair[1]);
  return pair;
}
