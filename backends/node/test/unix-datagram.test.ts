/**
 * Unix datagram sockets on the Node backend, the Node-specific part: the exact buffer sizes behind
 * DatagramTooLargeError, received datagrams not pinning the receive buffer, and what needs the
 * file system (stale socket files, mode). AnyIO's TestUNIXDatagramSocket /
 * TestConnectedUNIXDatagramSocket and portio's backend-independent cases (cancellation, fd
 * release, oversize, backpressure, …) are in @portio/testkit (suites "unix-datagram",
 * "connected-unix-datagram"), which conformance.test.ts runs. Every test leaves the fd count as
 * it found it.
 */
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DatagramTooLargeError,
  SocketAttribute,
  createConnectedUnixDatagramSocket,
  createUnixDatagramSocket,
  setBackend,
  socketpair,
} from "@portio/core";
import { LINUX, getReactor, setsockoptInt } from "@portio/libc-socket";
import { nodeBackend } from "@portio/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getKoffiBinder } from "../src/libc-binder.ts";
import { openFdCount, tempDir, text, untext } from "./helpers.ts";

const binder = getKoffiBinder();
const reactor = getReactor(binder);

type PathKind = "path" | "abstract";

let temp: ReturnType<typeof tempDir>;
let counter = 0;
/** A fresh socket address of the given kind: a file in the temp dir, or an abstract name. */
function socketPath(kind: PathKind): string {
  counter++;
  return kind === "path" ? join(temp.dir, `s${counter}.sock`) : `\0portio-test-${process.pid}-${counter}`;
}

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

const reject = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
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

describe("Unix datagrams on Node", () => {
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
});

function track2<T extends Closable>(pair: [T, T]): [T, T] {
  track(pair[0]);
  track(pair[1]);
  return pair;
}
