/**
 * AnyIO's TestUDPSocket and TestConnectedUDPSocket (CONFORMANCE.md 2.2), ported to portio's public
 * API, plus portio's own datagram cases (cancellation keeps the datagram, the queue's drop policy,
 * datagram boundaries, fd release). Everything runs on real sockets on 127.0.0.1 and ::1, every
 * port is picked by the OS, and waits are on observable events, never on timers.
 *
 * Written against `@portio/core` only, apart from the marked Node-specific lines (the backend
 * under test, the fd count, the reusePort version gate, the queue behind the transport), so that
 * the cases can move into `@portio/testkit`.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BusyResourceError,
  ClosedResourceError,
  ConnectedUDPSocket,
  SocketAttribute,
  TypedAttributeLookupError,
  UDPSocket,
  UnsupportedError,
  createConnectedUdpSocket,
  createUdpSocket,
  peekBackend,
  setBackend,
  type AsyncBackend,
  type DatagramQueue,
  type IPSocketAddress,
} from "@portio/core";
import { nodeBackend } from "@portio/node";
import { nodeHasReusePort } from "../src/tcp.js"; // Node-specific: which Nodes have reusePort

const families = [
  { name: "IPv4", family: "inet", host: "127.0.0.1", any: "0.0.0.0" },
  { name: "IPv6", family: "inet6", host: "::1", any: "::" },
] as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const reversed = (data: Uint8Array): Uint8Array => data.slice().reverse();
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Node-specific: open fds of this process (the readdir's own fd is open in every count). */
const openFdCount = (): number => readdirSync("/proc/self/fd").length;

/** Waits, one event-loop turn at a time, until `condition()` holds; fails after `turns` turns. */
async function until(condition: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Whether `promise` is still pending after everything already queued has run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  return !settled;
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
const connectedUdp = async (host: string, port: number, options?: Parameters<typeof createConnectedUdpSocket>[2]) =>
  track(await createConnectedUdpSocket(host, port, options));

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
  expect(openFdCount(), "open fds after the case").toBe(fdsBefore);
});

// ---- UDPSocket --------------------------------------------------------------------------------

describe.each(families)("UDPSocket over $name", ({ family, host, any }) => {
  it("has the extra attributes of an unconnected socket", async () => {
    const sock = await udp({ localHost: host, family });
    expect(sock).toBeInstanceOf(UDPSocket);
    expect(sock.extra(SocketAttribute.family)).toBe(family);
    const [localHost, localPort] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    expect(localHost).toBe(host);
    expect(localPort).toBeGreaterThan(0);
    expect(sock.extra(SocketAttribute.localPort)).toBe(localPort);
    expect(() => sock.extra(SocketAttribute.remoteAddress)).toThrow(TypedAttributeLookupError);
    expect(() => sock.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
    // Node-specific (/proc): the fd is a socket in non-blocking mode, as AnyIO checks.
    const fd = sock.extra(SocketAttribute.fd);
    expect(readlinkSync(`/proc/self/fd/${fd}`)).toMatch(/^socket:\[\d+\]$/);
    const flags = Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!, 8);
    expect(flags & 0o4000, "O_NONBLOCK").toBe(0o4000);
  });

  it("sends to itself and reports itself as the sender", async () => {
    const sock = await udp({ localHost: host, family });
    const [, port] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    await sock.sendto(utf8("blah"), host, port);
    const [request, sender] = await sock.receive();
    expect(request).toEqual(utf8("blah"));
    expect(Object.getPrototypeOf(request)).toBe(Uint8Array.prototype);
    expect(sender).toEqual(sock.extra(SocketAttribute.localAddress));

    await sock.send([utf8("halb"), [host, port]]);
    const [response, sender2] = await sock.receive();
    expect(response).toEqual(utf8("halb"));
    expect(sender2).toEqual([host, port]);
  });

  it("is iterable: an echo server with for await", async () => {
    const server = await udp({ localHost: host, family });
    const [, port] = server.extra(SocketAttribute.localAddress) as IPSocketAddress;
    const client = await udp({ localHost: host, family });
    const serving = (async () => {
      for await (const [packet, address] of server) await server.send([reversed(packet), address]);
    })();
    await client.sendto(utf8("FOOBAR"), host, port);
    expect(await client.receive()).toEqual([utf8("RABOOF"), [host, port]]);
    await client.sendto(utf8("123456"), host, port);
    expect(await client.receive()).toEqual([utf8("654321"), [host, port]]);
    // Closing the socket ends the iteration quietly.
    await server.aclose();
    await serving;
  });

  if (nodeHasReusePort()) {
    it("lets a second socket bind the same port with reusePort", async () => {
      const first = await udp({ localHost: host, family, reusePort: true });
      const port = first.extra(SocketAttribute.localPort);
      expect(port).not.toBe(0);
      const second = await udp({ localHost: host, family, localPort: port, reusePort: true });
      expect(second.extra(SocketAttribute.localPort)).toBe(port);
      // ... and only with it: the option is really what makes the second bind work.
      const error = await rejection(createUdpSocket({ localHost: host, family, localPort: port }));
      expect((error as { code?: string }).code).toBe("EADDRINUSE");
    });
  } else {
    it("refuses reusePort with UnsupportedError naming the Node versions that have it", async () => {
      const error = await rejection(createUdpSocket({ localHost: host, family, reusePort: true }));
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/22\.12.*23\.1/);
    });
  }

  it("refuses a second concurrent receive with BusyResourceError", async () => {
    const sock = await udp({ localHost: host, family });
    const first = sock.receive();
    await expect(sock.receive()).rejects.toThrow(BusyResourceError);
    await expect(sock.receive()).rejects.toThrow(/already reading from/);
    expect(await isPending(first)).toBe(true);
    await sock.aclose();
    await expect(first).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("wakes a pending receive with ClosedResourceError when closed", async () => {
    const sock = await udp({ localHost: host, family });
    const receiving = sock.receive();
    expect(await isPending(receiving)).toBe(true);
    await sock.aclose();
    await expect(receiving).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("refuses receive and send after close with ClosedResourceError", async () => {
    const sock = await udp({ localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    await sock.aclose();
    await sock.aclose(); // idempotent
    await expect(sock.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(sock.sendto(utf8("foo"), host, port)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("binds a socket created with only a family to a port > 0 (AnyIO #360)", async () => {
    const sock = await udp({ family });
    const [address, port] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    expect(address).toBe(any);
    expect(port).toBeGreaterThan(0);
  });

  it("releases the fd before aclose() resolves: the port can be bound again at once", async () => {
    // The rebinding socket has neither SO_REUSEADDR nor SO_REUSEPORT, so it needs the old fd gone.
    let port = 0;
    for (let round = 0; round < 2; round++) {
      const sock = await createUdpSocket({ localHost: host, family, localPort: port });
      port = sock.extra(SocketAttribute.localPort);
      await sock.aclose();
    }
    const again = await udp({ localHost: host, family, localPort: port });
    expect(again.extra(SocketAttribute.localPort)).toBe(port);
  });

  it("keeps the datagram when a receive is cancelled before it arrived", async () => {
    const sock = await udp({ localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    const controller = new AbortController();
    const cancelled = sock.receive({ signal: controller.signal });
    expect(await isPending(cancelled)).toBe(true);
    const reason = new Error("cancelled");
    controller.abort(reason);
    expect(await rejection(cancelled)).toBe(reason);

    await sock.sendto(utf8("kept"), host, port);
    const [data, sender] = await sock.receive();
    expect(data).toEqual(utf8("kept"));
    expect(sender).toEqual([host, port]);
  });

  it("keeps a queued datagram when a receive is called with an aborted signal", async () => {
    const sock = await udp({ localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    await sock.sendto(utf8("one"), host, port);
    await until(() => queueOf(sock).size === 1, "the datagram to be queued"); // Node-specific
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

  it("delivers whole datagrams, empty and maximum-size ones included, in order", async () => {
    const receiver = await udp({ localHost: host, family });
    const port = receiver.extra(SocketAttribute.localPort);
    const sender = await udp({ localHost: host, family });
    const sizes = [1, 0, 100, 1500, 9000, 65_507];
    const datagrams = sizes.map((size, seed) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));
    for (const datagram of datagrams) await sender.sendto(datagram, host, port);
    for (const datagram of datagrams) {
      const [data, from] = await receiver.receive();
      expect(data.byteLength).toBe(datagram.byteLength);
      expect(data).toEqual(datagram);
      expect(from).toEqual(sender.extra(SocketAttribute.localAddress));
    }
  });

  it("rejects a datagram too large to send with RangeError and stays usable", async () => {
    const sock = await udp({ localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    // 65,535 minus the UDP header (and for IPv4 the IP header) is the most UDP can carry.
    await expect(sock.sendto(new Uint8Array(65_536), host, port)).rejects.toBeInstanceOf(RangeError);
    await sock.sendto(utf8("small"), host, port);
    expect((await sock.receive())[0]).toEqual(utf8("small"));
  });

  it("rejects creation on a port in use with the runtime's error, leaking nothing", async () => {
    const first = await udp({ localHost: host, family });
    const port = first.extra(SocketAttribute.localPort);
    const error = await rejection(createUdpSocket({ localHost: host, family, localPort: port }));
    expect((error as { code?: string }).code).toBe("EADDRINUSE");
  });
});

// ---- ConnectedUDPSocket -----------------------------------------------------------------------

describe.each(families)("ConnectedUDPSocket over $name", ({ family, host }) => {
  /** An unconnected socket on `host` to talk to, and its port. */
  async function peer(): Promise<[UDPSocket, number]> {
    const sock = await udp({ localHost: host, family });
    return [sock, sock.extra(SocketAttribute.localPort)];
  }

  it("has the extra attributes of a connected socket", async () => {
    const [, peerPort] = await peer();
    const sock = await connectedUdp(host, peerPort, { family });
    expect(sock).toBeInstanceOf(ConnectedUDPSocket);
    expect(sock.extra(SocketAttribute.family)).toBe(family);
    // Bound to the any-address first; connecting narrows it to the address that routes to the peer.
    const [localHost, localPort] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    expect(localHost).toBe(host);
    expect(localPort).toBeGreaterThan(0);
    expect(sock.extra(SocketAttribute.localPort)).toBe(localPort);
    expect(sock.extra(SocketAttribute.remoteAddress)).toEqual([host, peerPort]);
    expect(sock.extra(SocketAttribute.remotePort)).toBe(peerPort);
  });

  it("binds to the given local address and port", async () => {
    const [, peerPort] = await peer();
    const [placeholder, localPort] = await peer(); // a free port, released again
    await placeholder.aclose();
    const sock = await connectedUdp(host, peerPort, { family, localHost: host, localPort });
    expect(sock.extra(SocketAttribute.localAddress)).toEqual([host, localPort]);
  });

  it("sends to and receives from its peer", async () => {
    const [udp1, port1] = await peer();
    const udp2 = await connectedUdp(host, port1, { localHost: host, family });
    const address2 = udp2.extra(SocketAttribute.localAddress) as IPSocketAddress;
    await udp2.send(utf8("blah"));
    expect(await udp1.receive()).toEqual([utf8("blah"), address2]);

    await udp1.sendto(utf8("halb"), address2[0], address2[1]);
    const response = await udp2.receive();
    expect(response).toEqual(utf8("halb"));
    expect(Object.getPrototypeOf(response)).toBe(Uint8Array.prototype);
  });

  it("is iterable: an echo server with for await", async () => {
    const [udp1, port1] = await peer();
    const udp2 = await connectedUdp(host, port1, { family });
    const [host2, port2] = udp2.extra(SocketAttribute.localAddress) as IPSocketAddress;
    const serving = (async () => {
      for await (const packet of udp2) await udp2.send(reversed(packet));
    })();
    await udp1.sendto(utf8("FOOBAR"), host2, port2);
    expect(await udp1.receive()).toEqual([utf8("RABOOF"), [host2, port2]]);
    await udp1.sendto(utf8("123456"), host2, port2);
    expect(await udp1.receive()).toEqual([utf8("654321"), [host2, port2]]);
    await udp2.aclose();
    await serving;
  });

  it("receives only its peer's datagrams", async () => {
    const [udp1, port1] = await peer();
    const [stranger] = await peer();
    const sock = await connectedUdp(host, port1, { localHost: host, family });
    const [, port] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    await stranger.sendto(utf8("not for you"), host, port);
    await udp1.sendto(utf8("for you"), host, port);
    expect(await sock.receive()).toEqual(utf8("for you"));
  });

  if (nodeHasReusePort()) {
    it("lets a second socket bind the same local port with reusePort", async () => {
      const [, peerPort1] = await peer();
      const [, peerPort2] = await peer();
      const first = await connectedUdp(host, peerPort1, { family, localHost: host, reusePort: true });
      const port = first.extra(SocketAttribute.localPort);
      expect(port).not.toBe(0);
      const second = await connectedUdp(host, peerPort2, { family, localHost: host, localPort: port, reusePort: true });
      expect(second.extra(SocketAttribute.localPort)).toBe(port);
    });
  } else {
    it("refuses reusePort with UnsupportedError naming the Node versions that have it", async () => {
      const [, peerPort] = await peer();
      const error = await rejection(createConnectedUdpSocket(host, peerPort, { family, reusePort: true }));
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/22\.12.*23\.1/);
    });
  }

  it("refuses a second concurrent receive with BusyResourceError", async () => {
    const [, peerPort] = await peer();
    const sock = await connectedUdp(host, peerPort, { localHost: host, family });
    const first = sock.receive();
    await expect(sock.receive()).rejects.toThrow(/already reading from/);
    await sock.aclose();
    await expect(first).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("wakes a pending receive with ClosedResourceError when closed", async () => {
    const [, peerPort] = await peer();
    const sock = await connectedUdp(host, peerPort, { localHost: host, family });
    const receiving = sock.receive();
    expect(await isPending(receiving)).toBe(true);
    await sock.aclose();
    await expect(receiving).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("refuses receive and send after close with ClosedResourceError", async () => {
    const [, peerPort] = await peer();
    const sock = await connectedUdp(host, peerPort, { localHost: host, family });
    await sock.aclose();
    await expect(sock.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(sock.send(utf8("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
  });

  it("releases the fd before aclose() resolves: the port can be bound again at once", async () => {
    const [, peerPort] = await peer();
    const sock = await createConnectedUdpSocket(host, peerPort, { localHost: host, family });
    const port = sock.extra(SocketAttribute.localPort);
    await sock.aclose();
    const again = await udp({ localHost: host, family, localPort: port });
    expect(again.extra(SocketAttribute.localPort)).toBe(port);
  });

  it("keeps the datagram when a receive is cancelled", async () => {
    const [udp1, port1] = await peer();
    const sock = await connectedUdp(host, port1, { localHost: host, family });
    const [, port] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    const controller = new AbortController();
    const cancelled = sock.receive({ signal: controller.signal });
    expect(await isPending(cancelled)).toBe(true);
    controller.abort();
    await expect(cancelled).rejects.toBe(controller.signal.reason);
    await udp1.sendto(utf8("kept"), host, port);
    expect(await sock.receive()).toEqual(utf8("kept"));
  });

  it("goes on receiving after the kernel reported an ICMP error for an earlier send", async () => {
    // A port nobody listens on: sending there makes the kernel answer with ECONNREFUSED, which a
    // connected socket reports on its next recvmsg.
    const [gone, gonePort] = await peer();
    await gone.aclose();
    const sock = await connectedUdp(host, gonePort, { localHost: host, family });
    const [, port] = sock.extra(SocketAttribute.localAddress) as IPSocketAddress;
    await sock.send(utf8("anyone?"));
    // Someone binds the port again (UDP ports are free at once) and answers.
    const back = await udp({ localHost: host, family, localPort: gonePort });
    await back.sendto(utf8("here"), host, port);
    expect(await sock.receive()).toEqual(utf8("here"));
  });
});
