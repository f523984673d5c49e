/**
 * Where Bun behaves differently from Node, and what the backend does about it: one test per
 * difference, each showing Bun's raw behaviour next to portio's corrected one, so that a Bun
 * upgrade that changes the behaviour shows up here.
 */
import { readlinkSync } from "node:fs";
import type { Socket } from "bun";
import net from "node:net";
import { describe, expect, test } from "vitest";
import {
  EndOfStream,
  SocketAttribute,
  type SocketListener,
  connectTcp,
  connectUnix,
  createConnectedUdpSocket,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  wrapClientSocket,
} from "@portio/core";
import { LibcSocket } from "@portio/libc-socket";
import { getBunFfiBinder } from "@portio/bun";
import { NetStreamTransport } from "@portio/node-shared";
import { countFds, expectFdCount, text, utf8, withTempDir } from "./helpers.ts";

describe("Bun quirks the backend corrects", () => {
  test("new net.Socket({ fd }) is silently inert in Bun; adoption uses Bun.connect({ fd }) and works", async () => {
    // Bun's raw behaviour: the socket never sees the peer's bytes and reports no error.
    const [a, b] = LibcSocket.socketpair(getBunFfiBinder(), "stream");
    const fdA = await a.detach();
    const inert = new net.Socket({ fd: fdA, readable: true, writable: true });
    let received = 0;
    let failed = false;
    inert.on("data", (d) => (received += d.length));
    inert.on("error", () => (failed = true));
    inert.resume();
    await b.sendAll(utf8("hello"));
    // Observing Bun's quirk (something that does NOT happen) needs a window; this is not a timed
    // assertion about portio. A slow machine could only make it pass wrongly, never fail wrongly,
    // and the adoption half below is what protects portio.
    await Bun.sleep(50);
    expect({ received, failed }).toEqual({ received: 0, failed: false });
    inert.destroy();
    await b.close();

    // portio: the same kind of fd, adopted, carries data both ways.
    const before = countFds();
    const [c, d] = LibcSocket.socketpair(getBunFfiBinder(), "stream");
    const fdC = await c.detach();
    const stream = await wrapClientSocket(fdC);
    await d.sendAll(utf8("ping"));
    expect(text(await stream.receive())).toBe("ping");
    await stream.send(utf8("pong"));
    expect(text(await d.recv())).toBe("pong");
    await stream.aclose();
    await d.close();
    await expectFdCount(before);
  });

  test('Bun reports no addresses for Unix sockets; portio reports the path and "" for unnamed ends', async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/s.sock`;
      // Bun's raw behaviour:
      const raw = Bun.listen({ unix: path, socket: { data() {} } });
      const rawClient = await Bun.connect({ unix: path, socket: { data() {} } });
      expect(rawClient.remoteAddress).toBeUndefined();
      rawClient.end();
      raw.stop(true);
      // portio:
      const listener = await createUnixListener(path);
      const [client, server] = await Promise.all([connectUnix(path), listener.accept()]);
      expect(client.extra(SocketAttribute.remoteAddress)).toBe(path);
      expect(client.extra(SocketAttribute.localAddress)).toBe("");
      expect(server.extra(SocketAttribute.localAddress)).toBe(path);
      expect(server.extra(SocketAttribute.remoteAddress)).toBe("");
      await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
    });
  });

  test("Bun's end() releases the whole socket; sendEof uses shutdown() so the reply still arrives", async () => {
    const listener = (await createTcpListener({ localHost: "127.0.0.1" })).listeners[0] as SocketListener;
    const port = listener.extra(SocketAttribute.localPort);
    const [client, server] = await Promise.all([connectTcp("127.0.0.1", port), listener.accept()]);
    await client.send(utf8("question"));
    await client.sendEof();
    expect(text(await server.receive())).toBe("question");
    await expect(server.receive()).rejects.toBeInstanceOf(EndOfStream);
    await server.send(utf8("answer"));
    await server.aclose();
    // Bun closes the half-closed client when the server's FIN comes, without an `end` event:
    // portio still reports the bytes, then EndOfStream.
    expect(text(await client.receive())).toBe("answer");
    await expect(client.receive()).rejects.toBeInstanceOf(EndOfStream);
    await Promise.all([client.aclose(), listener.aclose()]);
  });

  test("Bun.connect cannot bind a local address; connectTcp({ localPort }) binds through libc", async () => {
    const listener = (await createTcpListener({ localHost: "127.0.0.1" })).listeners[0] as SocketListener;
    const port = listener.extra(SocketAttribute.localPort);
    const probe = await createTcpListener({ localHost: "127.0.0.1" });
    const localPort = probe.extra(SocketAttribute.localPort);
    await probe.aclose();
    const before = countFds();
    const [client, server] = await Promise.all([
      connectTcp("127.0.0.1", port, { localHost: "127.0.0.1", localPort }),
      listener.accept(),
    ]);
    expect(client.extra(SocketAttribute.localPort)).toBe(localPort);
    expect(server.extra(SocketAttribute.remotePort)).toBe(localPort);
    await client.send(utf8("x"));
    expect(text(await server.receive())).toBe("x");
    await Promise.all([client.aclose(), server.aclose()]);
    await expectFdCount(before);
    await listener.aclose();
  });

  test("Bun reports ICMP errors on UDP as error(undefined); receiving goes on", async () => {
    const free = await createUdpSocket({ localHost: "127.0.0.1" });
    const peerPort = free.extra(SocketAttribute.localPort);
    await free.aclose();
    const connected = await createConnectedUdpSocket("127.0.0.1", peerPort);
    // Nobody listens there: on loopback the kernel queues ECONNREFUSED (port unreachable) at once.
    await connected.send(utf8("nobody there"));
    // The peer comes up on that port and answers: the queued error must not end receiving.
    const peer = await createUdpSocket({ localHost: "127.0.0.1", localPort: peerPort });
    const [host, port] = connected.extra(SocketAttribute.localAddress) as [string, number];
    await peer.sendto(utf8("alive"), host, port);
    expect(text(await connected.receive())).toBe("alive");
    await connected.send(utf8("still sending"));
    const [back] = await peer.receive();
    expect(text(back)).toBe("still sending");
    await Promise.all([connected.aclose(), peer.aclose()]);
  });

  test("Bun's net.Socket closes its fd inside destroy(), as Node's does; a node:net stream's close() does not wait for 'close'", async () => {
    /** What the fd number points at now (`undefined` once nothing is open under it). */
    const fdTarget = (fd: number): string | undefined => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return undefined;
      }
    };
    const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
    const port = listener.extra(SocketAttribute.localPort);
    const before = countFds();

    // Bun's raw behaviour: the fd is released by the time destroy() returns, before 'close'.
    const raw = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve, reject) => raw.once("connect", resolve).once("error", reject));
    const rawFd = (raw as unknown as { _handle: { fd: number } })._handle.fd;
    const rawTarget = fdTarget(rawFd);
    expect(rawTarget).toMatch(/^socket:/);
    raw.destroy();
    expect(fdTarget(rawFd)).not.toBe(rawTarget);

    // portio: a connect with a signal runs on node:net; close() resolves with the fd released,
    // without waiting for the 'close' event.
    const stream = await connectTcp("127.0.0.1", port, { signal: new AbortController().signal });
    // The transport is protected on SocketStream; the test reaches it to watch the node:net socket.
    const transport = (stream as unknown as { transport: unknown }).transport;
    expect(transport).toBeInstanceOf(NetStreamTransport);
    const socket = (transport as NetStreamTransport).socket;
    const fd = stream.extra(SocketAttribute.fd);
    const target = fdTarget(fd);
    expect(target).toMatch(/^socket:/);
    let closeEmitted = false;
    socket.once("close", () => {
      closeEmitted = true;
    });
    await stream.aclose();
    expect(fdTarget(fd)).not.toBe(target);
    expect(closeEmitted).toBe(false);
    await listener.aclose();
    await expectFdCount(before - 1);
  });

  test("reload() on an accepted socket swaps the handlers of every socket its listener has; on a Bun.connect socket only its own", async () => {
    // Which handler object gets a connection's next bytes: "old" or "new".
    type Seen = (source: string) => void;
    type Sock = Socket<Seen | undefined>;
    const handlerSet = (source: string) => ({
      data(socket: Sock) {
        socket.data?.(source);
      },
    });
    const nextData = (socket: Sock) => new Promise<string>((resolve) => (socket.data = resolve));
    /** A listener whose `open` hands out the first `count` accepted sockets. */
    const listen = (count: number) => {
      const accepted: Sock[] = [];
      const all = Promise.withResolvers<Sock[]>();
      const listener = Bun.listen<Seen | undefined>({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          ...handlerSet("old"),
          open(socket) {
            if (accepted.push(socket) === count) all.resolve(accepted);
          },
        },
      });
      return { listener, accepted: all.promise };
    };

    // Accepted sockets: reloading the first one moves the second one to the new handlers too
    // (the listener's own, `open` included). So the native TLS path (tls.ts) only swaps a client
    // socket's handlers.
    const server = listen(2);
    const clients = await Promise.all(
      [0, 1].map(() => Bun.connect({ hostname: "127.0.0.1", port: server.listener.port, socket: { data() {} } })),
    );
    const [first, second] = (await server.accepted) as [Sock, Sock];
    first.reload({ socket: handlerSet("new") });
    const secondSaw = nextData(second);
    clients[1]!.write("x");
    expect(await secondSaw).toBe("new");

    // Client sockets: each Bun.connect has its own handlers, even when made from one object.
    const peer = listen(2);
    const shared = handlerSet("old");
    const [a, b] = (await Promise.all(
      [0, 1].map(() => Bun.connect<Seen | undefined>({ hostname: "127.0.0.1", port: peer.listener.port, socket: shared })),
    )) as [Sock, Sock];
    const peers = await peer.accepted;
    a.reload({ socket: handlerSet("new") });
    const [aSaw, bSaw] = [nextData(a), nextData(b)];
    for (const socket of peers) socket.write("y");
    // Which accepted socket is whose does not matter: both clients get a byte.
    expect(await aSaw).toBe("new");
    expect(await bSaw).toBe("old");
    for (const socket of [...clients, a, b]) socket.end();
    server.listener.stop(true);
    peer.listener.stop(true);
  });
});
