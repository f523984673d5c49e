import { SocketAttribute, connectTcp, createTcpListener, setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { expect } from "vitest";

/** What a program that only speaks plain TCP through portio does: one exchange over loopback, all closed. */
export async function plainTcpExchange(): Promise<void> {
  setBackend(nodeBackend);
  const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  const server = await listener.accept();
  await client.send(Uint8Array.of(1, 2, 3));
  expect(await server.receive()).toEqual(Uint8Array.of(1, 2, 3));
  await client.aclose();
  await server.aclose();
  await listener.aclose();
}
