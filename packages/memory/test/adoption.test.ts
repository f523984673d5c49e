/**
 * Adoption needs OS file descriptors, which a memory network does not have: every adoption entry
 * point refuses with an UnsupportedError that says so and what to use instead (the conformance
 * suite's adoption cases are skipped with that reason).
 */
import {
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXDatagramSocket,
  UnsupportedError,
  getnameinfo,
  inspectSocket,
  socketpair,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { describe, expect, it } from "vitest";
import { rejection, useNetwork } from "./helpers.ts";

function checkRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(UnsupportedError);
  const message = (error as Error).message;
  expect(message).toContain("the memory backend has no file descriptors");
  expect(message).toContain("connectTcp"); // what to use instead
}

describe("adoption on the memory backend", () => {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ["inspectSocket", () => inspectSocket(3)],
    ["wrapClientSocket", () => wrapClientSocket(3)],
    ["wrapServerSocket", () => wrapServerSocket(3)],
    ["SocketStream.fromSocket", () => SocketStream.fromSocket(3)],
    ["SocketListener.fromSocket", () => SocketListener.fromSocket(3)],
    ["UDPSocket.fromSocket", () => UDPSocket.fromSocket(3)],
    ["UNIXDatagramSocket.fromSocket", () => UNIXDatagramSocket.fromSocket(3)],
  ];
  for (const [name, call] of calls) {
    it(`${name}(fd) is an UnsupportedError that says why and what to use instead`, async () => {
      useNetwork();
      checkRefusal(await rejection(call()));
    });
  }

  it("a runtime socket object is not recognised: core's TypeError", async () => {
    useNetwork();
    await expect(wrapClientSocket({ fd: 3 })).rejects.toThrow(TypeError);
  });

  it("sendFds / receiveFds on a memory Unix stream are an UnsupportedError that says why and what to use instead", async () => {
    useNetwork();
    const [left, right] = await socketpair("stream");
    try {
      for (const call of [() => left.sendFds(new Uint8Array([1]), [0]), () => right.receiveFds(1, 1)]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(UnsupportedError);
        expect((error as Error).message).toContain("the memory backend has no file descriptors to pass");
        expect((error as Error).message).toContain("use a real backend");
      }
    } finally {
      await left.aclose();
      await right.aclose();
    }
  });

  it("getnameinfo names loopback addresses localhost and gives the port's digits as the service", async () => {
    useNetwork();
    expect(await getnameinfo(["127.0.0.1", 22])).toEqual(["localhost", "22"]);
    expect(await getnameinfo(["::1", 8080])).toEqual(["localhost", "8080"]);
  });
});
