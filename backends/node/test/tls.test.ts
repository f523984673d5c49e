/**
 * Node-specific TLS behaviour beyond the conformance suite: adopting sockets with TLS, which of
 * the two paths a session takes, and fd accounting around failed handshakes.
 */
import net from "node:net";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BufferedByteStream,
  EndOfStream,
  SocketAttribute,
  TLSListener,
  TLSStream,
  UnsupportedError,
  connectTcp,
  createTcpListener,
  setBackend,
  wrapClientSocket,
  wrapServerSocket,
  type MultiListener,
  type SocketListener,
  type SocketStream,
} from "@portio/core";
import { nodeBackend } from "@portio/node";
import { runtimeFdsSettled } from "@portio/testkit";
import { generateTestCertificates } from "@portio/node-shared/testing";

const certs = generateTestCertificates();
const server = { serverSide: true, cert: certs.serverCert, key: certs.serverKey } as const;
const client = { hostname: "localhost", ca: certs.ca } as const;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const fdCount = () => readdirSync("/proc/self/fd").length;

let tcp: MultiListener<SocketStream>;
let port: number;

beforeAll(async () => {
  setBackend(nodeBackend);
  tcp = await createTcpListener({ localHost: "127.0.0.1" });
  port = tcp.extra(SocketAttribute.localPort);
});
afterAll(async () => {
  await tcp.aclose();
});

async function pair(): Promise<[SocketStream, SocketStream]> {
  const listener = tcp.listeners[0]! as unknown as { accept(): Promise<SocketStream> };
  return Promise.all([connectTcp("127.0.0.1", port), listener.accept()]);
}

describe("node TLS paths", () => {
  it("standardCompatible: false over a socket runs natively; unwrap() is then UnsupportedError saying what works", async () => {
    const [a, b] = await pair();
    const [c, s] = await Promise.all([
      TLSStream.wrap(a, { ...client, standardCompatible: false }),
      TLSStream.wrap(b, { ...server, standardCompatible: false }),
    ]);
    await c.send(utf8("ping"));
    expect(text(await s.receive())).toBe("ping");
    const error = await c.unwrap().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(/standardCompatible: true/);
    await c.aclose();
    await s.aclose();
  });

  it("a connection that is TLS from its first byte runs natively by default: connectTcp({ tls }) and TLSListener cannot unwrap, TLSStream.wrap() can", async () => {
    const listener = new TLSListener(tcp.listeners[0]! as SocketListener, server);
    const [c, s] = await Promise.all([connectTcp("127.0.0.1", port, { tls: client }), listener.accept()]);
    const connected = c as TLSStream;
    await connected.send(utf8("ping"));
    expect(text(await s.receive())).toBe("ping");
    for (const native of [connected, s]) {
      const error = await native.unwrap().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/TLSStream\.wrap\(\) with standardCompatible: true/);
    }
    // The default session still tells close_notify (EndOfStream) from a bare end.
    await s.aclose();
    await expect(connected.receive()).rejects.toThrow(EndOfStream);
    await connected.aclose();
    // The same defaults through TLSStream.wrap() stay on the portable path: both sides unwrap.
    const [a, b] = await pair();
    const [wc, ws] = await Promise.all([TLSStream.wrap(a, client), TLSStream.wrap(b, server)]);
    const [[plainA], [plainB]] = await Promise.all([wc.unwrap(), ws.unwrap()]);
    await plainB.send(utf8("plain"));
    expect(text(await plainA.receive())).toBe("plain");
    await plainA.aclose();
    await plainB.aclose();
  });

  it("a failed handshake on a connection made TLS by connectTcp leaks no fd", async () => {
    // Node 24's root-certificate thread, started when node:tls loads, holds an fd for a moment.
    await runtimeFdsSettled();
    const before = fdCount();
    const listener = tcp.listeners[0]! as unknown as { accept(): Promise<SocketStream> };
    // The server side fails too once the client gives up; a failed wrap closes its stream.
    const serverSide = listener
      .accept()
      .then((b) => TLSStream.wrap(b, server))
      .then(
        (stream) => stream.aclose(),
        () => undefined,
      );
    // Untrusted: the default roots do not know the test CA.
    const error = await connectTcp("127.0.0.1", port, { tls: { hostname: "localhost" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).message).toMatch(/certificate verify failed/);
    await serverSide;
    expect(fdCount()).toBe(before);
  });

  it("STARTTLS: wrapping a BufferedByteStream that holds nothing (the answer was read through it) takes the native path", async () => {
    const [a, b] = await pair();
    await b.send(utf8("S"));
    const buffered = new BufferedByteStream(a);
    expect(text(await buffered.receiveExactly(1))).toBe("S");
    const [c, s] = await Promise.all([
      TLSStream.wrap(buffered, { ...client, standardCompatible: false }),
      TLSStream.wrap(b, { ...server, standardCompatible: false }),
    ]);
    await c.send(utf8("ping"));
    expect(text(await s.receive())).toBe("ping");
    // Only the native path cannot unwrap: the portable one would have.
    await expect(c.unwrap()).rejects.toBeInstanceOf(UnsupportedError);
    await c.aclose();
    await s.aclose();
  });

  it("a failed handshake closes the wrapped stream and leaks no fd, on both paths", async () => {
    // Node 24's root-certificate thread, started when node:tls loads, holds an fd for a moment.
    await runtimeFdsSettled();
    const before = fdCount();
    for (const standardCompatible of [true, false]) {
      const [a, b] = await pair();
      const results = await Promise.allSettled([
        TLSStream.wrap(a, { hostname: "localhost", standardCompatible }), // untrusted: default roots
        TLSStream.wrap(b, { ...server, standardCompatible }),
      ]);
      expect(results[0].status).toBe("rejected");
      const reason = (results[0] as PromiseRejectedResult).reason as BrokenResourceError;
      expect(reason).toBeInstanceOf(BrokenResourceError);
      expect(reason.message).toMatch(/certificate verify failed/);
      expect((reason.cause as { code?: string }).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      if (results[1].status === "fulfilled") await results[1].value.aclose();
      await b.aclose();
      await expect(a.receive()).rejects.toThrow(); // closed by the failed wrap
    }
    expect(fdCount()).toBe(before);
  });
});

describe("adoption with TLS", () => {
  it("wrapClientSocket(net.Socket, { tls }) resolves with a TLSStream", async () => {
    const listener = new TLSListener(tcp.listeners[0]! as SocketListener, server);
    const accepting = listener.accept();
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const adopted = await wrapClientSocket(socket, { tls: client });
    expect(adopted).toBeInstanceOf(TLSStream);
    const accepted = await accepting;
    const stream = adopted as TLSStream;
    await stream.send(utf8("hello"));
    expect(text(await accepted.receive())).toBe("hello");
    expect(stream.extra(SocketAttribute.remotePort)).toBe(port);
    await stream.aclose();
    await accepted.aclose();
  });

  it("wrapServerSocket(net.Server, { tls }) resolves with a TLSListener that serves TLS", async () => {
    const nodeServer = net.createServer();
    await new Promise<void>((resolve) => nodeServer.listen(0, "127.0.0.1", resolve));
    const serverPort = (nodeServer.address() as net.AddressInfo).port;
    const adopted = await wrapServerSocket(nodeServer, { tls: { cert: certs.serverCert, key: certs.serverKey } });
    expect(adopted).toBeInstanceOf(TLSListener);
    const listener = adopted as TLSListener;
    const controller = new AbortController();
    const serving = listener.serve(
      async (stream) => {
        await stream.send(await stream.receive());
      },
      { signal: controller.signal },
    );
    const stream = await connectTcp("127.0.0.1", serverPort, { tls: { ca: certs.ca }, tlsHostname: "localhost" });
    await stream.send(utf8("echo"));
    expect(text(await stream.receive())).toBe("echo");
    await stream.aclose();
    controller.abort();
    await serving;
    await listener.aclose();
  });

  it("unusable TLS options are a TypeError before the socket is touched", async () => {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve) => socket.once("connect", resolve));
    await expect(wrapClientSocket(socket, { tls: true })).rejects.toThrow(/hostname/);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
    const accepted = await (tcp.listeners[0]! as unknown as { accept(): Promise<SocketStream> }).accept();
    await accepted.aclose();
  });
});
