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
  inspectSocket,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { describe, expect, it } from "vitest";
import { rejection, useNetwork } from "./helpers.js";

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
});
