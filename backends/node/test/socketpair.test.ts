/**
 * socketpair("stream" | "dgram") on the Node backend, through portio's public API: stream ends
 * are native net.Sockets (echo, half-close, 1 MiB, fd release), datagram ends libc sockets
 * (message boundaries). Every test leaves the fd count as it found it.
 */
import {
  ClosedResourceError, ConnectedUNIXDatagramSocket, EndOfStream, SocketAttribute, TypedAttributeLookupError,
  UNIXSocketStream, setBackend, socketpair,
} from "@portio/core";
import { getReactor } from "@portio/libc-socket";
import { nodeBackend } from "@portio/node";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getKoffiBinder } from "../src/libc-binder.js";
import { concat, fdTarget, isPending, openFdCount, pattern, text, untext } from "./helpers.js";

const reactor = getReactor(getKoffiBinder());

type Closable = { aclose(): Promise<void> };
const open: Closable[] = [];
function track<T extends Closable>(pair: [T, T]): [T, T] {
  open.push(...pair);
  return pair;
}

let fdsBefore = 0;

beforeAll(async () => {
  setBackend(nodeBackend);
  // Warm-up: koffi's library handle and libuv's thread pool stay for the life of the process.
  const [a, b] = await socketpair("dgram");
  const received = b.receive();
  await a.send(text("warm-up"));
  await received;
  await Promise.all([a.aclose(), b.aclose()]);
  await reactor.whenIdle();
});

beforeEach(() => {
  fdsBefore = openFdCount();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.aclose()));
  await reactor.whenIdle();
  expect(openFdCount()).toBe(fdsBefore);
});

/** Receives until EndOfStream. */
async function receiveAll(stream: UNIXSocketStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    expect(chunk.length).toBeGreaterThan(0);
    chunks.push(chunk);
  }
  return concat(chunks);
}

describe('socketpair("stream")', () => {
  it("is the default type, and both ends are UNIXSocketStreams with unnamed addresses", async () => {
    const [a, b] = track(await socketpair());
    for (const end of [a, b]) {
      expect(end).toBeInstanceOf(UNIXSocketStream);
      expect(end.extra(SocketAttribute.family)).toBe("unix");
      expect(end.extra(SocketAttribute.localAddress)).toBe("");
      expect(end.extra(SocketAttribute.remoteAddress)).toBe("");
      expect(() => end.extra(SocketAttribute.localPort)).toThrow(TypedAttributeLookupError);
      expect(fdTarget(end.extra(SocketAttribute.fd))).toMatch(/^socket:/);
    }
  });

  it("echo, both ways", async () => {
    const [a, b] = track(await socketpair("stream"));
    await a.send(text("ping"));
    expect(untext(await b.receive())).toBe("ping");
    await b.send(text("pong"));
    expect(untext(await a.receive())).toBe("pong");
  });

  it("half-close with sendEof: the other direction keeps working", async () => {
    const [a, b] = track(await socketpair("stream"));
    await a.send(text("hello, "));
    await a.send(text("world\n"));
    await a.sendEof();
    const request = untext(await receiveAll(b));
    expect(request).toBe("hello, world\n");
    await b.send(text([...request].reverse().join("")));
    await b.sendEof();
    expect(untext(await receiveAll(a))).toBe("\ndlrow ,olleh");
    await expect(a.receive()).rejects.toThrow(EndOfStream);
  });

  it("1 MiB in one send arrives intact", async () => {
    const [a, b] = track(await socketpair("stream"));
    const payload = pattern(1024 * 1024);
    const [, received] = await Promise.all([
      (async () => {
        await a.send(payload);
        await a.sendEof();
      })(),
      receiveAll(b),
    ]);
    expect(received.length).toBe(payload.length);
    expect(Buffer.from(received).equals(payload)).toBe(true);
  });

  it("aclose releases the fd before it resolves; the peer then sees end of stream", async () => {
    const [a, b] = track(await socketpair("stream"));
    const fd = a.extra(SocketAttribute.fd);
    const pending = expect(b.receive()).rejects.toThrow(EndOfStream);
    await a.aclose();
    expect(fdTarget(fd)).toBeUndefined();
    await pending;
    await expect(a.receive()).rejects.toThrow(ClosedResourceError);
  });
});

describe('socketpair("dgram")', () => {
  it("both ends are ConnectedUNIXDatagramSockets with unnamed addresses", async () => {
    const [a, b] = track(await socketpair("dgram"));
    for (const end of [a, b]) {
      expect(end).toBeInstanceOf(ConnectedUNIXDatagramSocket);
      expect(end.extra(SocketAttribute.family)).toBe("unix");
      expect(end.extra(SocketAttribute.localAddress)).toBe("");
      expect(end.extra(SocketAttribute.remoteAddress)).toBe("");
      expect(() => end.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
    }
  });

  it("keeps message boundaries, empty datagrams included", async () => {
    const [a, b] = track(await socketpair("dgram"));
    const messages = ["one", "", "three", "x".repeat(60_000)];
    for (const message of messages) await a.send(text(message));
    for (const message of messages) expect(untext(await b.receive())).toBe(message);
    await b.send(text("back"));
    expect(untext(await a.receive())).toBe("back");
  });

  it("a receive waits for the datagram; iteration echoes", async () => {
    const [a, b] = track(await socketpair("dgram"));
    const pending = b.receive();
    expect(await isPending(pending)).toBe(true);
    await a.send(text("late"));
    expect(untext(await pending)).toBe("late");
    const echoing = (async () => {
      for await (const packet of b) await b.send(packet.slice().reverse());
    })();
    for (const word of ["abc", "portio"]) {
      await a.send(text(word));
      expect(untext(await a.receive())).toBe([...word].reverse().join(""));
    }
    await b.aclose();
    await echoing;
  });

  it("aclose releases the fd before it resolves and wakes a pending receive", async () => {
    const [a, b] = track(await socketpair("dgram"));
    const fd = a.extra(SocketAttribute.fd);
    const pending = a.receive();
    expect(await isPending(pending)).toBe(true);
    await a.aclose();
    expect(fdTarget(fd)).toBeUndefined();
    await expect(pending).rejects.toThrow(ClosedResourceError);
    // the survivor's sends now fail: nobody is connected at the other end
    await expect(b.send(text("anyone?"))).rejects.toThrow();
  });

  it("a sender faster than its receiver is held back, and nothing is lost", async () => {
    const [a, b] = track(await socketpair("dgram"));
    const count = 5_000;
    const datagram = new Uint8Array(512);
    const sending = (async () => {
      for (let i = 0; i < count; i++) {
        new DataView(datagram.buffer).setUint32(0, i);
        await a.send(datagram);
      }
    })();
    for (let i = 0; i < count; i++) {
      const received = await b.receive();
      expect(received.length).toBe(512);
      if (new DataView(received.buffer).getUint32(0) !== i) throw new Error(`datagram ${i} out of order or lost`);
    }
    await sending;
  });
});
