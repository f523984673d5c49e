/**
 * UDP on the Node backend, the Node-specific part: the push-style `DatagramQueue` behind
 * node:dgram (its drop policy, a queued datagram surviving an aborted receive) and the reusePort
 * refusal on Nodes without it. AnyIO's TestUDPSocket / TestConnectedUDPSocket and portio's own
 * backend-independent UDP cases are in @portio/testkit (suites "udp" and "connected-udp"), which
 * conformance.test.ts runs. Real sockets on 127.0.0.1 and ::1, OS-picked ports, waits on
 * observable events, never on timers.
 */
import { expectNoFdLeak, openFdCount } from "./helpers.ts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ConnectedUDPSocket,
  SocketAttribute,
  type UDPSocket,
  UnsupportedError,
  createConnectedUdpSocket,
  createUdpSocket,
  peekBackend,
  setBackend,
} from "@portio/core";
import type { AsyncBackend, DatagramQueue } from "@portio/core/backend";
import { nodeBackend } from "@portio/node";
import { nodeHasReusePort } from "../src/tcp.ts"; // Node-specific: which Nodes have reusePort

const families = [
  { name: "IPv4", family: "inet", host: "127.0.0.1" },
  { name: "IPv6", family: "inet6", host: "::1" },
] as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits, one event-loop turn at a time, until `condition()` holds; fails after `turns` turns. */
async function until(condition: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Node-specific: the push-style backend's receive queue behind a socket. */
function queueOf(socket: UDPSocket | ConnectedUDPSocket): DatagramQueue {
  const transport = (socket as unknown as { transport: { queue?: DatagramQueue } }).transport;
  if (transport.queue === undefined) throw new Error("this backend has no datagram queue");
  return transport.queue;
}

// ---- set-up: the backend, and every socket closed and every fd released after each case --------

let previousBackend: AsyncBackend | undefined;
let fdsBefore = 0;
const opened: Array<{ aclose(): Promise<void> }> = [];

/** Registers a socket to be closed after the case (closing twice is fine). */
function track<T extends { aclose(): Promise<void> }>(socket: T): T {
  opened.push(socket);
  return socket;
}

const udp = async (options: Parameters<typeof createUdpSocket>[0]) => track(await createUdpSocket(options));

beforeAll(async () => {
  previousBackend = peekBackend();
  setBackend(nodeBackend);
  // Warm-up, so that anything a runtime creates lazily on first use is not counted as a leak.
  const warm = await createUdpSocket({ localHost: "127.0.0.1" });
  await warm.sendto(utf8("warm"), "127.0.0.1", warm.extra(SocketAttribute.localPort));
  await warm.receive();
  await warm.aclose();
});

afterAll(() => {
  if (previousBackend !== undefined) setBackend(previousBackend);
});

beforeEach(() => {
  fdsBefore = openFdCount();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((socket) => socket.aclose()));
  await expectNoFdLeak(fdsBefore);
});

// ---- UDPSocket --------------------------------------------------------------------------------

describe.each(families)("UDPSocket over $name (Node-specific)", ({ family, host }) => {
  if (!nodeHasReusePort()) {
    it("refuses reusePort with UnsupportedError naming the Node versions that have it", async () => {
      const error = await rejection(createUdpSocket({ localHost: host, family, reusePort: true }));
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/22\.12.*23\.1/);
    });

    it("refuses reusePort for a connected socket too", async () => {
      const peer = await udp({ localHost: host, family });
      const error = await rejection(
        createConnectedUdpSocket(host, peer.extra(SocketAttribute.localPort), { family, reusePort: true }),
      );
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/22\.12.*23\.1/);
    });
  }

  it("keeps a queued datagram when a receive is called with an aborted signal", async () => {
    const sock = await udp({ localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    await sock.sendto(utf8("one"), host, port);
    await until(() => queueOf(sock).size === 1, "the datagram to be queued");
    const reason = new Error("already aborted");
    expect(await rejection(sock.receive({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect((await sock.receive())[0]).toEqual(utf8("one"));
  });

  it("queues datagrams up to its capacity, then drops the newest and counts them", async () => {
    const receiver = await udp({ localHost: host, family });
    const port = receiver.extra(SocketAttribute.localPort);
    const sender = await udp({ localHost: host, family });
    const queue = queueOf(receiver); // Node-specific: the push-style backend's queue
    const extra = 50;
    const total = queue.capacity + extra;
    const tag = (i: number): Uint8Array => {
      const data = new Uint8Array(4);
      new DataView(data.buffer).setUint32(0, i);
      return data;
    };
    // Small batches, each waited for until it is in the queue (or counted as dropped), so that the
    // kernel's receive buffer never overflows and every loss is the queue's own.
    for (let sent = 0; sent < total; ) {
      const batch = Math.min(16, total - sent);
      for (let i = 0; i < batch; i++) await sender.sendto(tag(sent + i), host, port);
      sent += batch;
      await until(() => queue.size + queue.dropped === sent, `${sent} datagrams to reach the queue`);
    }
    expect(queue.size).toBe(queue.capacity);
    expect(queue.dropped).toBe(extra);
    // The oldest ones were kept, in order.
    for (let i = 0; i < queue.capacity; i++) {
      const [data] = await receiver.receive();
      expect(new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0)).toBe(i);
    }
    expect(queue.size).toBe(0);
    // Dropping is not a failure: the socket goes on receiving.
    await sender.sendto(utf8("after"), host, port);
    expect((await receiver.receive())[0]).toEqual(utf8("after"));
  });
});
