/**
 * Every fault the memory network injects, each seen the way the code under test sees it: through
 * portio's public API, with the portio error it must handle, and without a byte lost or invented.
 * Time-dependent faults run on the manual clock, so nothing here depends on real time.
 */
import {
  BrokenResourceError,
  ConnectionFailed,
  EndOfStream,
  SocketAttribute,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  type SocketListener,
  type SocketStream,
} from "@portio/core";
import { describe, expect, it } from "vitest";
import { listenScriptedPeer, type MemoryNetwork } from "../src/index.ts";
import { causeCode, pattern, rejection, settle, text, track, useNetwork, utf8 } from "./helpers.ts";

async function listen(): Promise<{ listener: SocketListener<SocketStream>; port: number; close(): Promise<void> }> {
  const multi = await createTcpListener({ localHost: "127.0.0.1" });
  return {
    listener: multi.listeners[0] as SocketListener<SocketStream>,
    port: multi.extra(SocketAttribute.localPort),
    close: () => multi.aclose(),
  };
}

async function pair(port: number, listener: SocketListener<SocketStream>): Promise<[SocketStream, SocketStream]> {
  return Promise.all([connectTcp("127.0.0.1", port), listener.accept()]);
}

async function receiveExactly(stream: SocketStream, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const chunk = await stream.receive(n - filled);
    out.set(chunk, filled);
    filled += chunk.byteLength;
  }
  return out;
}

describe("latency and bandwidth", () => {
  it("a byte takes the link's latency plus its transmission time, and arrives intact and in order", async () => {
    const network = useNetwork({ clock: "manual" });
    const { listener, port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, latencyMs: 100, bandwidth: 1000 });
    // The handshake is a round trip: 200 ms of network time.
    const connecting = track(connectTcp("127.0.0.1", port));
    await network.clock.advance(199);
    expect(connecting.settled).toBe(false);
    await network.clock.advance(1);
    const [client, server] = await Promise.all([connecting.promise, listener.accept()]);
    // 1000 bytes at 1000 bytes/s take 1 s to transmit, then 100 ms to arrive.
    await client.send(pattern(1000));
    const receiving = track(receiveExactly(server, 1000));
    await network.clock.advance(1099);
    expect(receiving.settled).toBe(false);
    await network.clock.advance(1);
    expect(await receiving.promise).toEqual(pattern(1000));
    await Promise.all([client.aclose(), server.aclose(), close()]);
  });

  it("a rule for one destination leaves other traffic alone", async () => {
    const network = useNetwork({ clock: "manual" });
    const slow = await listen();
    const fast = await listen();
    network.addFault({ to: `127.0.0.1:${slow.port}`, latencyMs: 1000 });
    const [client, server] = await pair(fast.port, fast.listener); // no clock advance needed
    await client.send(utf8("quick"));
    expect(text(await server.receive())).toBe("quick");
    await Promise.all([client.aclose(), server.aclose(), slow.close(), fast.close()]);
  });
});

describe("reset after N bytes", () => {
  it("the client gets exactly the first N bytes of the response, then BrokenResourceError (ECONNRESET); the server's send fails too", async () => {
    const network = useNetwork();
    const { listener, port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, resetAfterBytes: 4000, resetDirection: "to-client" });
    const [client, server] = await pair(port, listener);
    await client.send(utf8("GET /big")); // requests do not count toward the budget
    expect(text(await server.receive())).toBe("GET /big");
    const response = pattern(10_000);
    const sendError = await rejection(server.send(response));
    expect(sendError).toBeInstanceOf(BrokenResourceError);
    expect(await receiveExactly(client, 4000)).toEqual(response.subarray(0, 4000));
    const error = await rejection(client.receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect(causeCode(error)).toBe("ECONNRESET");
    await Promise.all([client.aclose(), server.aclose(), close()]);
  });

  it("times: 1 resets only the first connection, so a retry gets through", async () => {
    const network = useNetwork();
    const { listener, port, close } = await listen();
    const rule = network.addFault({ to: `127.0.0.1:${port}`, resetAfterBytes: 0, times: 1 });
    const [first, firstServer] = await pair(port, listener);
    expect(await rejection(first.receive())).toBeInstanceOf(BrokenResourceError);
    const [second, secondServer] = await pair(port, listener);
    await second.send(utf8("ok"));
    expect(text(await secondServer.receive())).toBe("ok");
    expect(rule.hits).toBe(1);
    await Promise.all([first.aclose(), firstServer.aclose(), second.aclose(), secondServer.aclose(), close()]);
  });
});

describe("a peer that stops reading", () => {
  it("backpressure reaches the sender: send() waits once the buffer is full, and every byte arrives in order after the peer reads again", async () => {
    const network = useNetwork({ streamBufferSize: 64 * 1024 });
    const { listener, port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, stopReading: "server" });
    const connected = network.nextConnection();
    const [client, server] = await pair(port, listener);
    const connection = await connected;
    const chunk = 16 * 1024;
    let accepted = 0;
    let blocked: { promise: Promise<void>; readonly settled: boolean } | undefined;
    for (let i = 0; i < 64; i++) {
      const sending = track(client.send(pattern(chunk, i * chunk)));
      await settle();
      if (!sending.settled) {
        blocked = sending;
        break;
      }
      accepted += chunk;
    }
    expect(blocked, "a send stays pending while the peer does not read").toBeDefined();
    expect(accepted).toBeLessThan(64 * 1024);
    const receiving = track(server.receive());
    await settle();
    expect(receiving.settled, "the stalled side gets nothing while it does not read").toBe(false);
    connection.resumeReading("server");
    const total = accepted + chunk;
    const received = new Uint8Array(total);
    const first = await receiving.promise;
    received.set(first, 0);
    received.set(await receiveExactly(server, total - first.byteLength), first.byteLength);
    await blocked!.promise;
    expect(received).toEqual(pattern(total));
    await Promise.all([client.aclose(), server.aclose(), close()]);
  });
});

describe("connecting", () => {
  it("refused: ConnectionFailed whose cause is ECONNREFUSED; with times: 2 the third attempt connects", async () => {
    const network = useNetwork();
    const { listener, port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, connect: "refuse", times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejection(connectTcp("127.0.0.1", port));
      expect(error).toBeInstanceOf(ConnectionFailed);
      expect(causeCode(error)).toBe("ECONNREFUSED");
    }
    const [client, server] = await pair(port, listener);
    await Promise.all([client.aclose(), server.aclose(), close()]);
  });

  it("nobody listening is ECONNREFUSED without any rule", async () => {
    useNetwork();
    expect(causeCode(await rejection(connectTcp("127.0.0.1", 9)))).toBe("ECONNREFUSED");
  });

  it("timeout: the caller's clock signal ends the wait with its TimeoutError; without one, ETIMEDOUT after connectTimeoutMs", async () => {
    const network = useNetwork({ clock: "manual", connectTimeoutMs: 60_000 });
    const { port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, connect: "timeout" });
    const withSignal = track(connectTcp("127.0.0.1", port, { signal: network.clock.timeout(5_000) }));
    const withoutSignal = track(connectTcp("127.0.0.1", port));
    await network.clock.advance(4_999);
    expect(withSignal.settled).toBe(false);
    await network.clock.advance(1);
    const timeoutError = await rejection(withSignal.promise);
    expect((timeoutError as DOMException).name).toBe("TimeoutError");
    expect(withoutSignal.settled).toBe(false);
    await network.clock.advance(55_000);
    const error = await rejection(withoutSignal.promise);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(causeCode(error)).toBe("ETIMEDOUT");
    await close();
  });

  it("unreachable: EHOSTUNREACH from a rule, and for an address no host has; an unknown name is ENOTFOUND", async () => {
    const network = useNetwork();
    network.addHost("db", { addresses: ["10.0.0.9"], names: ["db.test"] });
    network.addFault({ to: "db", connect: "unreachable" });
    expect(causeCode(await rejection(connectTcp("db.test", 5432)))).toBe("EHOSTUNREACH");
    expect(causeCode(await rejection(connectTcp("10.9.9.9", 5432)))).toBe("EHOSTUNREACH");
    const unresolved = await rejection(connectTcp("nowhere.test", 80));
    expect(unresolved).toBeInstanceOf(ConnectionFailed);
    expect(causeCode(unresolved)).toBe("ENOTFOUND");
  });

  it("a full accept queue holds a connect back until accept() makes room, and times it out if nobody does", async () => {
    const network = useNetwork({ clock: "manual", connectTimeoutMs: 10_000 });
    const multi = await createTcpListener({ localHost: "127.0.0.1", backlog: 1 });
    const listener = multi.listeners[0] as SocketListener<SocketStream>;
    const port = multi.extra(SocketAttribute.localPort);
    const first = await connectTcp("127.0.0.1", port); // queued: the backlog of 1 is used
    const second = track(connectTcp("127.0.0.1", port));
    const third = track(connectTcp("127.0.0.1", port));
    await settle();
    expect(second.settled).toBe(false);
    const firstServer = await listener.accept(); // room for one more
    const secondClient = await second.promise;
    await settle();
    expect(third.settled).toBe(false);
    await network.clock.advance(10_000);
    expect(causeCode(await rejection(third.promise))).toBe("ETIMEDOUT");
    // Nothing was mixed up: each accepted stream talks to its own client.
    const secondServer = await listener.accept();
    await first.send(utf8("one"));
    await secondClient.send(utf8("two"));
    expect(text(await firstServer.receive())).toBe("one");
    expect(text(await secondServer.receive())).toBe("two");
    await Promise.all([first, secondClient, firstServer, secondServer, multi].map((r) => r.aclose()));
  });
});

describe("half-open connections", () => {
  it("the server vanishes: the client's receive waits until its own timeout, its sends fill the buffer and then wait", async () => {
    const network = useNetwork({ clock: "manual", streamBufferSize: 32 * 1024 });
    const { listener, port, close } = await listen();
    network.addFault({ to: `127.0.0.1:${port}`, halfOpen: "server" });
    const [client, server] = await pair(port, listener);
    const receiving = track(client.receive(65_536, { signal: network.clock.timeout(30_000) }));
    await network.clock.advance(29_999);
    expect(receiving.settled).toBe(false);
    await network.clock.advance(1);
    expect(((await rejection(receiving.promise)) as DOMException).name).toBe("TimeoutError");
    await client.send(pattern(16 * 1024)); // taken: there is room
    const stuck = track(client.send(pattern(32 * 1024)));
    await settle();
    expect(stuck.settled).toBe(false);
    // The vanished side's own socket is dead.
    expect(causeCode(await rejection(server.receive()))).toBe("ECONNABORTED");
    await Promise.all([client.aclose(), server.aclose(), close()]);
    await expect(stuck.promise).rejects.toThrow();
  });
});

describe("datagrams", () => {
  async function exchange(
    network: MemoryNetwork,
    count: number,
    rule: Parameters<MemoryNetwork["addFault"]>[0],
  ): Promise<number[]> {
    const receiver = await createUdpSocket({ localHost: "127.0.0.1" });
    const sender = await createUdpSocket({ localHost: "127.0.0.1" });
    const port = receiver.extra(SocketAttribute.localPort);
    const handle = network.addFault({ ...rule, protocol: "udp", to: `127.0.0.1:${port}` });
    for (let i = 0; i < count; i++) await sender.sendto(utf8(`datagram ${i}`), "127.0.0.1", port);
    if (network.clock.manual) await network.clock.advance(1_000); // held-back datagrams land
    handle.remove();
    await sender.sendto(utf8("end"), "127.0.0.1", port);
    const received: number[] = [];
    for (;;) {
      const [data, from] = await receiver.receive();
      expect(from).toEqual(sender.extra(SocketAttribute.localAddress));
      const payload = text(data);
      if (payload === "end") break;
      // Nothing invented: every datagram is one that was sent, intact.
      expect(payload).toMatch(/^datagram \d+$/);
      received.push(Number(payload.slice("datagram ".length)));
    }
    await Promise.all([receiver.aclose(), sender.aclose()]);
    return received;
  }

  it("loss drops some datagrams, the same ones for the same seed", async () => {
    const a = await exchange(useNetwork({ seed: 7 }), 200, { loss: 0.25 });
    const b = await exchange(useNetwork({ seed: 7 }), 200, { loss: 0.25 });
    const c = await exchange(useNetwork({ seed: 8 }), 200, { loss: 0.25 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.length).toBeGreaterThan(100);
    expect(a.length).toBeLessThan(200);
    expect(a).toEqual([...a].sort((x, y) => x - y)); // loss alone keeps the order
  });

  it("duplication delivers some datagrams twice, nothing else changes", async () => {
    const received = await exchange(useNetwork({ seed: 3 }), 100, { duplicate: 0.2 });
    expect(received.length).toBeGreaterThan(100);
    expect([...new Set(received)]).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("reordering lets later datagrams overtake, none lost", async () => {
    const received = await exchange(useNetwork({ seed: 5, clock: "manual" }), 100, { reorder: 0.3, reorderDelayMs: 5 });
    expect(received).not.toEqual([...received].sort((x, y) => x - y));
    expect([...received].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe("matching", () => {
  it("a rule with from: applies only to traffic from that host", async () => {
    const network = useNetwork();
    network.addHost("other", { addresses: ["10.0.0.7"] });
    const { listener, port, close } = await listen();
    network.addFault({ from: "other", to: `:${port}`, connect: "refuse" });
    const [client, server] = await pair(port, listener); // from the default host: not refused
    await Promise.all([client.aclose(), server.aclose(), close()]);
  });

  it("UDP latency delays each datagram by the link's latency, on the network's clock", async () => {
    const network = useNetwork({ clock: "manual" });
    const receiver = await createUdpSocket({ localHost: "127.0.0.1" });
    const sender = await createUdpSocket({ localHost: "127.0.0.1" });
    const port = receiver.extra(SocketAttribute.localPort);
    network.addFault({ protocol: "udp", to: `127.0.0.1:${port}`, latencyMs: 50 });
    await sender.sendto(utf8("late"), "127.0.0.1", port);
    const receiving = track(receiver.receive());
    await network.clock.advance(49);
    expect(receiving.settled).toBe(false);
    await network.clock.advance(1);
    expect(text((await receiving.promise)[0])).toBe("late");
    await Promise.all([receiver.aclose(), sender.aclose()]);
  });

  it("a Unix path can be refused like a TCP port", async () => {
    const network = useNetwork();
    const listener = await createUnixListener("/run/app.sock");
    network.addFault({ to: "/run/app.sock", connect: "refuse", times: 1 });
    const error = await rejection(connectUnix("/run/app.sock"));
    expect(causeCode(error)).toBe("ECONNREFUSED");
    const [client, server] = await Promise.all([connectUnix("/run/app.sock"), listener.accept()]);
    await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
  });
});

describe("per connection", () => {
  it("halfOpen() on a live connection: the vanished side's pending receive fails at once, the survivor hears nothing", async () => {
    const network = useNetwork();
    const { listener, port, close } = await listen();
    const connected = network.nextConnection();
    const [client, server] = await pair(port, listener);
    const connection = await connected;
    const serverReceiving = rejection(server.receive());
    const clientReceiving = track(client.receive());
    connection.halfOpen("server");
    expect(causeCode(await serverReceiving)).toBe("ECONNABORTED");
    await server.aclose(); // no FIN: the client's receive still waits
    await settle();
    expect(clientReceiving.settled).toBe(false);
    await client.aclose();
    await close();
  });

  it("onConnection gives each new connection's controls: reset one mid-stream, the other goes on", async () => {
    const network = useNetwork();
    const { listener, port, close } = await listen();
    const connections: Array<import("../src/index.ts").MemoryConnection> = [];
    network.onConnection((connection) => connections.push(connection));
    const [a, aServer] = await pair(port, listener);
    const [b, bServer] = await pair(port, listener);
    await aServer.send(utf8("partial"));
    connections[0]!.reset();
    expect(text(await a.receive())).toBe("partial"); // sent before the reset: delivered
    expect(await rejection(a.receive())).toBeInstanceOf(BrokenResourceError);
    await bServer.send(utf8("fine"));
    expect(text(await b.receive())).toBe("fine");
    await bServer.aclose();
    expect(await rejection(b.receive())).toBeInstanceOf(EndOfStream);
    await Promise.all([a.aclose(), aServer.aclose(), b.aclose(), close()]);
  });
});

describe("a scripted peer", () => {
  it("the test plays the server step by step: expect a request, answer half, reset", async () => {
    const network = useNetwork();
    const peer = await listenScriptedPeer(network);
    const client = await connectTcp("127.0.0.1", peer.port);
    const conn = await peer.accept();
    await client.send(utf8("PING\r\n"));
    await conn.expect("PING\r\n");
    await conn.send("+PO");
    conn.reset();
    expect(text(await client.receive())).toBe("+PO");
    const error = await rejection(client.receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect(causeCode(error)).toBe("ECONNRESET");
    await client.aclose();
    await peer.close();
  });

  it("expect() says what arrived instead", async () => {
    const network = useNetwork();
    const peer = await listenScriptedPeer(network);
    const client = await connectTcp("127.0.0.1", peer.port);
    const conn = await peer.accept();
    await client.send(utf8("PONG\r\n"));
    await expect(conn.expect("PING\r\n")).rejects.toThrow('expected "PING\\r\\n" but received "PONG\\r\\n"');
    await client.aclose();
    await conn.close();
    await peer.close();
  });
});
