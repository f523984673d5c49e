/**
 * The Bun backend's TLS fast path: with `standardCompatible: false` over a plain Bun socket,
 * TLS runs natively on the socket (`socket.upgradeTLS`) instead of node:tls over the portio
 * stream. The conformance suite covers the behaviour; these check that the fast path is the one
 * taken (it cannot unwrap), what it reports, and where it steps aside.
 */
import { describe, expect, test } from "vitest";
import {
  BrokenResourceError,
  EndOfStream,
  SocketAttribute,
  type SocketListener,
  TLSAttribute,
  TLSStream,
  UnsupportedError,
  connectTcp,
  createTcpListener,
  setBackend,
  SocketStream,
  type TLSOptions,
} from "@portio/core";
import type { Socket } from "bun";
import { BunStreamTransport, bunBackend } from "@portio/bun";
import { streamEventHandlers, streamHandlers } from "../src/socket-handlers.ts";
import { generateTestCertificates } from "@portio/node-shared/testing";
import { countFds, expectFdCount, text, utf8 } from "./helpers.ts";

setBackend(bunBackend);
const certs = generateTestCertificates();

async function plainPair(): Promise<[SocketStream, SocketStream, () => Promise<void>]> {
  const multi = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const listener = multi.listeners[0] as SocketListener;
  const port = multi.extra(SocketAttribute.localPort);
  const [client, server] = await Promise.all([connectTcp("127.0.0.1", port) as Promise<SocketStream>, listener.accept()]);
  return [client, server, () => multi.aclose()];
}

const clientOptions = (extra: TLSOptions = {}): TLSOptions => ({
  hostname: "localhost",
  ca: certs.ca,
  standardCompatible: false,
  ...extra,
});
const serverOptions = (extra: TLSOptions = {}): TLSOptions => ({
  serverSide: true,
  cert: certs.serverCert,
  key: certs.serverKey,
  standardCompatible: false,
  ...extra,
});

async function receiveExactly(stream: TLSStream, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const chunk = await stream.receive();
    out.set(chunk, got);
    got += chunk.byteLength;
  }
  return out;
}

describe("TLS natively on Bun sockets (standardCompatible: false)", () => {
  test("both sides on the fast path: attributes, 1 MiB echo, no unwrap, no fd leak", async () => {
    const before = countFds();
    const [a, b, stop] = await plainPair();
    const [client, server] = await Promise.all([
      TLSStream.wrap(a, clientOptions({ alpnProtocols: ["h2", "http/1.1"] })),
      TLSStream.wrap(b, serverOptions({ alpnProtocols: ["h2"] })),
    ]);
    for (const side of [client, server]) {
      expect(side.extra(TLSAttribute.alpnProtocol)).toBe("h2");
      expect(side.extra(TLSAttribute.tlsVersion)).toBe("TLSv1.3");
      expect(side.extra(TLSAttribute.cipher)).toMatch(/^TLS_/);
      expect(side.extra(TLSAttribute.standardCompatible)).toBe(false);
    }
    const peer = client.extra(TLSAttribute.peerCertificate);
    expect(peer?.subject).toContain("CN=localhost");
    expect(peer?.subjectAltNames).toContain("DNS:localhost");
    expect(peer?.raw.byteLength).toBeGreaterThan(0);
    expect(server.extra(TLSAttribute.peerCertificate)).toBeNull();
    expect(client.extra(SocketAttribute.remotePort)).toBe(server.extra(SocketAttribute.localPort));

    const payload = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const echo = (async () => {
      let left = payload.byteLength;
      while (left > 0) {
        const chunk = await server.receive();
        left -= chunk.byteLength;
        await server.send(chunk);
      }
    })();
    const [, echoed] = await Promise.all([client.send(payload), receiveExactly(client, payload.byteLength)]);
    await echo;
    expect(Buffer.compare(echoed, payload)).toBe(0);

    // Only the portable path can hand the socket back: this rejection shows the fast path ran.
    await expect(client.unwrap()).rejects.toBeInstanceOf(UnsupportedError);
    await server.send(utf8("bye"));
    await server.aclose();
    expect(text(await client.receive())).toBe("bye");
    await expect(client.receive()).rejects.toBeInstanceOf(EndOfStream);
    await client.aclose();
    await stop();
    await expectFdCount(before);
  });

  test("a client socket handed over to the session passes no ciphertext to JavaScript", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
    const listener = multi.listeners[0] as SocketListener;
    // The backend's own client socket, with a `data` handler that counts what reaches it: the
    // raw socket under the session keeps the handlers it was made with unless they are swapped.
    let rawChunks = 0;
    const opened = Promise.withResolvers<BunStreamTransport>();
    const handlers = streamHandlers((socket) => opened.resolve(new BunStreamTransport(socket, { family: "inet" })));
    const counting = {
      ...handlers,
      data(socket: Socket<BunStreamTransport | undefined>, data: Uint8Array) {
        rawChunks++;
        streamEventHandlers.data(socket, data);
      },
    };
    const port = multi.extra(SocketAttribute.localPort);
    const [, b] = await Promise.all([
      Bun.connect({ hostname: "127.0.0.1", port, allowHalfOpen: true, socket: counting as never }),
      listener.accept(),
    ]);
    const a = new SocketStream(await opened.promise);
    const [client, server] = await Promise.all([TLSStream.wrap(a, clientOptions()), TLSStream.wrap(b, serverOptions())]);
    await expect(client.unwrap()).rejects.toBeInstanceOf(UnsupportedError);
    const payload = new Uint8Array(512 * 1024).map((_, i) => (i * 7) & 0xff);
    const [, received] = await Promise.all([server.send(payload), receiveExactly(client, payload.byteLength)]);
    expect(Buffer.compare(received, payload)).toBe(0);
    expect(rawChunks).toBe(0);
    await client.aclose();
    await server.aclose();
    await multi.aclose();
  });

  test("certificate and hostname checks still refuse the handshake", async () => {
    for (const [options, pattern] of [
      [clientOptions({ ca: undefined }), /certificate verify failed|issuer|self.signed/i],
      [clientOptions({ hostname: "example.com" }), /hostname mismatch|example\.com/i],
    ] as const) {
      const [a, b, stop] = await plainPair();
      const [client, server] = await Promise.allSettled([TLSStream.wrap(a, options), TLSStream.wrap(b, serverOptions())]);
      expect(client.status).toBe("rejected");
      const error = (client as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect(String(error.message)).toMatch(pattern);
      if (server.status === "fulfilled") await server.value.aclose();
      await a.aclose();
      await b.aclose();
      await stop();
    }
  });

  test("insecureSkipVerify and insecureSkipHostnameCheck are honoured", async () => {
    for (const options of [
      clientOptions({ ca: undefined, insecureSkipVerify: true }),
      clientOptions({ hostname: "example.com", insecureSkipHostnameCheck: true }),
    ]) {
      const [a, b, stop] = await plainPair();
      const [client, server] = await Promise.all([TLSStream.wrap(a, options), TLSStream.wrap(b, serverOptions())]);
      await client.send(utf8("ok"));
      expect(text(await server.receive())).toBe("ok");
      await client.aclose();
      await server.aclose();
      await stop();
    }
  });

  test("mutual TLS on the fast path: the server sees the client's certificate", async () => {
    const [a, b, stop] = await plainPair();
    const [client, server] = await Promise.all([
      TLSStream.wrap(a, clientOptions({ cert: certs.clientCert, key: certs.clientKey })),
      TLSStream.wrap(b, serverOptions({ ca: certs.ca, requestClientCertificate: true })),
    ]);
    expect(server.extra(TLSAttribute.peerCertificate)).not.toBeNull();
    await client.aclose();
    await server.aclose();
    await stop();
  });

  test("roles against the socket's side (client TLS on an accepted socket) take the portable path", async () => {
    const [a, b, stop] = await plainPair();
    // Bun's upgradeTLS keeps the socket's side, so these cannot run natively.
    const [server, client] = await Promise.all([TLSStream.wrap(a, serverOptions()), TLSStream.wrap(b, clientOptions())]);
    await client.send(utf8("reversed"));
    expect(text(await server.receive())).toBe("reversed");
    await client.aclose();
    await server.aclose();
    await stop();
  });
});
