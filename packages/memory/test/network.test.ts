/** Hosts, addresses, names and ports of a memory network, seen through portio's API. */
import {
  ClosedResourceError,
  SocketAttribute,
  connectTcp,
  createTcpListener,
  createUdpSocket,
  getaddrinfo,
  setBackend,
  socketpair,
  type SocketListener,
  type SocketStream,
} from "@portio/core";
import { describe, expect, it } from "vitest";
import { createMemoryNetwork, memoryBackend } from "../src/index.ts";
import { causeCode, rejection, text, utf8 } from "./helpers.ts";

describe("hosts and names", () => {
  it("a server on one host, a client on another, reached by a test-defined name; each side sees the other's address", async () => {
    const network = createMemoryNetwork();
    network.addHost("api", { addresses: ["10.0.0.2", "fd00::2"], names: ["api.test"] });
    const client = memoryBackend(network); // the default host: 10.0.0.1, fd00::1
    const server = memoryBackend(network, { host: "api" });

    setBackend(server);
    const multi = await createTcpListener({ localPort: 8080 }); // every address of host "api"
    setBackend(client);
    expect(await getaddrinfo("api.test")).toEqual([
      { family: "inet", address: ["10.0.0.2", 0] },
      { family: "inet6", address: ["fd00::2", 0] },
    ]);
    const ipv6 = multi.listeners.find((l) => l.extra(SocketAttribute.family) === "inet6") as SocketListener<SocketStream>;
    // Happy eyeballs tries IPv6 first: fd00::1 → fd00::2.
    const [stream, accepted] = await Promise.all([connectTcp("api.test", 8080), ipv6.accept()]);
    expect(stream.extra(SocketAttribute.remoteAddress)).toEqual(["fd00::2", 8080]);
    expect(accepted.extra(SocketAttribute.localAddress)).toEqual(["fd00::2", 8080]);
    expect(accepted.extra(SocketAttribute.remoteAddress)).toEqual(stream.extra(SocketAttribute.localAddress));
    expect((stream.extra(SocketAttribute.localAddress) as [string, number])[0]).toBe("fd00::1");
    await stream.send(utf8("hello"));
    expect(text(await accepted.receive())).toBe("hello");
    await Promise.all([accepted.aclose(), multi.aclose()]);
    await stream.aclose();
  });

  it("loopback stays on the host: 127.0.0.1 on one host does not reach another host's listener", async () => {
    const network = createMemoryNetwork();
    network.addHost("other", { addresses: ["10.0.0.3"] });
    setBackend(memoryBackend(network, { host: "other" }));
    const multi = await createTcpListener({ localHost: "127.0.0.1", localPort: 7000 });
    setBackend(memoryBackend(network));
    expect(causeCode(await rejection(connectTcp("127.0.0.1", 7000)))).toBe("ECONNREFUSED");
    await multi.aclose();
  });

  it("binding an address the host does not have is EADDRNOTAVAIL; a port in use is EADDRINUSE", async () => {
    const network = createMemoryNetwork();
    setBackend(memoryBackend(network));
    expect(causeCode(await rejection(createTcpListener({ localHost: "10.9.9.9" })))).toBe("EADDRNOTAVAIL");
    const multi = await createTcpListener({ localHost: "10.0.0.1", localPort: 9000 });
    expect(causeCode(await rejection(createTcpListener({ localHost: "0.0.0.0", localPort: 9000 })))).toBe("EADDRINUSE");
    await multi.aclose();
  });

  it("setName() changes what a name resolves to, and an empty list makes it unresolvable", async () => {
    const network = createMemoryNetwork();
    setBackend(memoryBackend(network));
    network.setName("svc.test", ["10.0.0.1"]);
    expect(await getaddrinfo("svc.test")).toEqual([{ family: "inet", address: ["10.0.0.1", 0] }]);
    network.setName("svc.test", []);
    expect(causeCode(await rejection(getaddrinfo("svc.test")))).toBe("ENOTFOUND");
  });

  it("UDP between hosts carries the sender's address", async () => {
    const network = createMemoryNetwork();
    network.addHost("dns", { addresses: ["10.0.0.53"] });
    setBackend(memoryBackend(network, { host: "dns" }));
    const server = await createUdpSocket({ localHost: "0.0.0.0", localPort: 53 });
    setBackend(memoryBackend(network));
    const client = await createUdpSocket({ family: "inet" });
    await client.sendto(utf8("query"), "10.0.0.53", 53);
    const [data, from] = await server.receive();
    expect(text(data)).toBe("query");
    expect(from).toEqual(["10.0.0.1", client.extra(SocketAttribute.localPort)]);
    await Promise.all([client.aclose(), server.aclose()]);
  });
});

describe("ports", () => {
  it("reusePort: two listeners share a port and connections alternate between them", async () => {
    setBackend(memoryBackend(createMemoryNetwork()));
    const first = await createTcpListener({ localHost: "127.0.0.1", reusePort: true });
    const port = first.extra(SocketAttribute.localPort);
    const second = await createTcpListener({ localHost: "127.0.0.1", localPort: port, reusePort: true });
    const listeners = [first, second].map((multi) => multi.listeners[0] as SocketListener<SocketStream>);
    const clients: SocketStream[] = [];
    const accepted: SocketStream[] = [];
    for (let i = 0; i < 4; i++) {
      clients.push(await connectTcp("127.0.0.1", port));
      accepted.push(await listeners[i % 2]!.accept()); // would wait forever if this listener got nothing
    }
    for (const [i, client] of clients.entries()) {
      await client.send(utf8(`client ${i}`));
      expect(text(await accepted[i]!.receive())).toBe(`client ${i}`);
    }
    await Promise.all([...clients, ...accepted, first, second].map((r) => r.aclose()));
  });
});

describe("runtime independence", () => {
  it("the main entry imports no node:* module (only the optional node-tls entry does)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const dir = new URL("../src/", import.meta.url);
    const offenders = readdirSync(dir)
      .filter((name) => name.endsWith(".ts") && name !== "node-tls.ts")
      .filter((name) => /from\s+["'](node:|@portio\/node-shared)/.test(readFileSync(new URL(name, dir), "utf8")));
    expect(offenders).toEqual([]);
  });
});

describe("connections", () => {
  it("network.connections lists a connection until both of its sockets are closed", async () => {
    const network = createMemoryNetwork();
    setBackend(memoryBackend(network));
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    const [client, server] = await Promise.all([
      connectTcp("127.0.0.1", multi.extra(SocketAttribute.localPort)),
      (multi.listeners[0] as SocketListener<SocketStream>).accept(),
    ]);
    expect(network.connections.map((c) => c.clientAddress)).toEqual([client.extra(SocketAttribute.localAddress)]);
    await client.aclose();
    expect(network.connections).toHaveLength(1);
    await server.aclose();
    expect(network.connections).toHaveLength(0);
    await multi.aclose();
  });
});

describe("Unix datagrams", () => {
  it("a sender held back by a full receiver: closing it settles the waiting send at once, and its datagram is never delivered", async () => {
    setBackend(memoryBackend(createMemoryNetwork({ unixDatagramQueueSize: 2 })));
    const [a, b] = await socketpair("dgram");
    await a.send(utf8("1"));
    await a.send(utf8("2"));
    const third = a.send(utf8("3")).catch((error: unknown) => error);
    await a.aclose();
    expect(await third).toBeInstanceOf(ClosedResourceError);
    expect(text(await b.receive())).toBe("1");
    expect(text(await b.receive())).toBe("2");
    // Nothing more arrives: a receive now waits (aclose wakes it with ClosedResourceError).
    const pending = b.receive().catch((error: unknown) => error);
    await b.aclose();
    expect(await pending).toBeInstanceOf(ClosedResourceError);
  });
});

describe("the network copies what it is given", () => {
  // A Node Buffer (Node, Bun, Deno's node:buffer) is a Uint8Array whose slice() is a view, not a
  // copy: what the network keeps must not change when the sender reuses its buffer.
  it("a stream send of a Buffer: the sender may overwrite it once send() resolves", async () => {
    const { Buffer } = await import("node:buffer");
    setBackend(memoryBackend(createMemoryNetwork()));
    const [a, b] = await socketpair();
    const buffer = Buffer.from("first");
    await a.send(buffer);
    buffer.write("xxxxx");
    expect(text(await b.receive())).toBe("first");
    await Promise.all([a.aclose(), b.aclose()]);
  });

  it("a datagram send of a Buffer: the sender may overwrite it once send() resolves", async () => {
    const { Buffer } = await import("node:buffer");
    setBackend(memoryBackend(createMemoryNetwork()));
    const server = await createUdpSocket({ localHost: "127.0.0.1" });
    const client = await createUdpSocket({ family: "inet" });
    const buffer = Buffer.from("query");
    await client.sendto(buffer, "127.0.0.1", server.extra(SocketAttribute.localPort));
    buffer.write("xxxxx");
    const [data] = await server.receive();
    expect(text(data)).toBe("query");
    await Promise.all([client.aclose(), server.aclose()]);
  });
});
