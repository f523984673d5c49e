/** Adopting existing fds on Bun: Bun.connect({ fd }) / Bun.listen({ fd }) / Bun.udpSocket({ fd }) / libc. */
import { closeSync, openSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  ConnectedUDPSocket,
  InvalidSocketError,
  SocketAttribute,
  SocketListener,
  UDPSocket,
  UNIXDatagramSocket,
  UNIXSocketListener,
  UNIXSocketStream,
  connectTcp,
  connectUnix,
  inspectSocket,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { LibcSocket, constantsFor } from "@portio/libc-socket";
import { getBunFfiBinder } from "@portio/bun";
import { countFds, expectFdCount, text, utf8, withTempDir } from "./helpers.ts";

const binder = getBunFfiBinder();

describe("adoption", () => {
  test("a listening TCP fd becomes a SocketListener that accepts", async () => {
    const before = countFds();
    const raw = LibcSocket.create(binder, "inet", "stream");
    raw.bind(["127.0.0.1", 0]);
    raw.listen();
    const port = (raw.getsockname() as [string, number])[1];
    const fd = await raw.detach();
    expect((await inspectSocket(fd)).state).toBe("listening");
    const listener = await wrapServerSocket(fd);
    expect(listener).toBeInstanceOf(SocketListener);
    expect(listener.extra(SocketAttribute.localAddress)).toEqual(["127.0.0.1", port]);
    const [client, server] = await Promise.all([connectTcp("127.0.0.1", port), (listener as SocketListener).accept()]);
    await client.send(utf8("adopted"));
    expect(text(await server.receive())).toBe("adopted");
    await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
    await expectFdCount(before);
  });

  test("a bound, not listening Unix fd is started listening; accepted streams are Unix streams", async () => {
    await withTempDir(async (dir) => {
      const raw = LibcSocket.create(binder, "unix", "stream");
      raw.bind(`${dir}/l.sock`);
      const fd = await raw.detach();
      const listener = (await wrapServerSocket(fd)) as UNIXSocketListener;
      expect(listener).toBeInstanceOf(UNIXSocketListener);
      const [client, server] = await Promise.all([connectUnix(`${dir}/l.sock`), listener.accept()]);
      expect(server).toBeInstanceOf(UNIXSocketStream);
      await server.send(utf8("hi"));
      expect(text(await client.receive())).toBe("hi");
      await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
    });
  });

  test("UDP fds: unconnected via Bun.udpSocket({ fd }), connected ones send to their peer", async () => {
    const a = LibcSocket.create(binder, "inet", "dgram");
    a.bind(["127.0.0.1", 0]);
    const b = LibcSocket.create(binder, "inet", "dgram");
    b.bind(["127.0.0.1", 0]);
    await b.connect(a.getsockname());
    const fdA = await a.detach();
    const fdB = await b.detach();
    const udp = (await wrapServerSocket(fdA)) as UDPSocket;
    expect(udp).toBeInstanceOf(UDPSocket);
    const connected = (await wrapClientSocket(fdB)) as ConnectedUDPSocket;
    expect(connected).toBeInstanceOf(ConnectedUDPSocket);
    await connected.send(utf8("to the peer"));
    const [data, from] = await udp.receive();
    expect(text(data)).toBe("to the peer");
    await udp.sendto(utf8("back"), from[0], from[1]);
    expect(text(await connected.receive())).toBe("back");
    await Promise.all([udp.aclose(), connected.aclose()]);
  });

  test("an unbound Unix datagram fd is adopted through libc", async () => {
    const [a, b] = LibcSocket.socketpair(binder, "dgram");
    const fd = await a.detach();
    const socket = await wrapClientSocket(fd);
    await b.send(utf8("dgram"));
    expect(text(await (socket as unknown as { receive(): Promise<Uint8Array> }).receive())).toBe("dgram");
    await socket.aclose();
    await b.close();
    expect(UNIXDatagramSocket).toBeDefined();
  });

  test("refusals leave the fd open and blocking: connected stream to wrapServerSocket, non-socket fd", async () => {
    const [a, b] = LibcSocket.socketpair(binder, "stream");
    a.setNonBlocking(false);
    const fd = a.fd;
    const error = await wrapServerSocket(fd).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSocketError);
    expect((error as InvalidSocketError).code).toBe("CONNECTED");
    const C = constantsFor(binder.platform);
    expect(binder.fcntl(fd, C.F_GETFL, 0) & C.O_NONBLOCK).toBe(0);
    await Promise.all([a.close(), b.close()]);
    // A file, not fd 0: under vitest the worker's stdin is whatever its parent gave it (Bun
    // forks it with a socket).
    const file = openSync("/dev/null", "r");
    const notSocket = await wrapClientSocket(file).catch((e: unknown) => e);
    closeSync(file);
    expect((notSocket as InvalidSocketError).code).toBe("ENOTSOCK");
  });

  test("Bun's own socket objects are refused with a TypeError that says what to pass", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const error = await wrapServerSocket(listener as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    listener.stop(true);
  });
});
