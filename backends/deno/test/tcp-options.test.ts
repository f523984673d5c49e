/**
 * What the Deno backend cannot do with TCP options, asserted: the keep-alive idle time
 * (`keepAlive: { initialDelayMs }`), since `Deno.TcpConn.setKeepAlive` only turns keep-alive on or
 * off and Deno's connections expose no fd. Everything Deno can do (noDelay, keep-alive on/off on
 * connect, listen and live streams) is checked against the kernel by the testkit's "tcp-options"
 * suite, which conformance.test.ts runs inside Deno.
 */
import { SocketAttribute, SocketStream, UnsupportedError, connectTcp, createTcpListener } from "@portio/core";
import { expect } from "vitest";
import { libcRawSockets, libcTcpOptionReader } from "@portio/libc-socket/testing";
import { procFiles } from "@portio/node-shared/testing";
import { getDenoBinder } from "../src/libc-binder.ts";
import { leakFree } from "./harness.ts";

const kernel = libcTcpOptionReader(getDenoBinder(), procFiles());
const IDLE_UNSUPPORTED =
  /the Deno backend cannot set the keep-alive idle time \(keepAlive: \{ initialDelayMs \}\).*use keepAlive: true/;

leakFree("connectTcp with a keep-alive idle time is refused before any connection is made", async () => {
  await using listener = await createTcpListener({ localHost: "127.0.0.1" });
  const port = listener.extra(SocketAttribute.localPort);
  const refused = connectTcp("127.0.0.1", port, { keepAlive: { initialDelayMs: 60_000 } });
  await expect(refused).rejects.toBeInstanceOf(UnsupportedError);
  await expect(refused).rejects.toThrow(IDLE_UNSUPPORTED);
  // The first connection the listener gets is the next one: the refused call never connected.
  await using client = await connectTcp("127.0.0.1", port);
  await using server = await listener.accept();
  expect(server.extra(SocketAttribute.remotePort)).toBe(client.extra(SocketAttribute.localPort));
  // Also with localHost, which takes the libc path.
  await expect(connectTcp("127.0.0.1", port, { localHost: "127.0.0.1", keepAlive: { initialDelayMs: 60_000 } })).rejects.toThrow(
    IDLE_UNSUPPORTED,
  );
});

leakFree("createTcpListener with a keep-alive idle time is refused; keepAlive: true works", async () => {
  await expect(createTcpListener({ localHost: "127.0.0.1", keepAlive: { initialDelayMs: 30_000 } })).rejects.toThrow(
    IDLE_UNSUPPORTED,
  );
  await expect(createTcpListener({ keepAlive: { initialDelayMs: 30_000 } })).rejects.toBeInstanceOf(UnsupportedError);
  await using listener = await createTcpListener({ localHost: "127.0.0.1", keepAlive: true });
  await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  await using server = await listener.accept();
  expect((await kernel.read(server)).keepAlive).toBe(true);
  void client;
});

leakFree("setKeepAlive with an idle time on a Deno connection is refused and changes nothing", async () => {
  await using listener = await createTcpListener({ localHost: "127.0.0.1" });
  await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort), { noDelay: false });
  await using server = await listener.accept();
  expect(() => client.setKeepAlive({ initialDelayMs: 10_000 })).toThrow(IDLE_UNSUPPORTED);
  expect(await kernel.read(client)).toMatchObject({ noDelay: false, keepAlive: false });
  void server;
});

leakFree("an adopted TCP socket (node:net over its fd) takes an idle time like a Deno connection does not", async () => {
  const raw = await libcRawSockets(getDenoBinder()).create("inet", "stream", { connected: true });
  try {
    await using stream = await SocketStream.fromSocket(raw.fd);
    stream.setKeepAlive({ initialDelayMs: 9_000 });
    expect(await kernel.read(stream)).toEqual({ noDelay: true, keepAlive: true, keepAliveIdleSeconds: 9 });
  } finally {
    for (const fd of raw.peerFds) getDenoBinder().close(fd);
  }
});
