import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { connectTcp, createTcpListener } from "../src/tcp.ts";
import { connectUnix } from "../src/unix.ts";
import { openFdCount, tcpListenerOptions, tempDir } from "./helpers.ts";

/** A port that was free a moment ago (nothing listens on it). */
async function freePort(): Promise<number> {
  const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
  const [, port] = listener.localAddress() as [string, number];
  await listener.close();
  return port;
}

describe("connectTcp", () => {
  it("rejects with Node's ECONNREFUSED and releases the socket", async () => {
    const port = await freePort();
    const before = openFdCount();
    await expect(connectTcp("127.0.0.1", port, {})).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(openFdCount()).toBe(before);
  });

  it("rejects with the abort reason, releasing the socket, when aborted while connecting", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const before = openFdCount();
    const controller = new AbortController();
    const connecting = connectTcp("127.0.0.1", port, { signal: controller.signal });
    const reason = new Error("changed my mind");
    controller.abort(reason); // before the connect can complete: that needs an event loop turn
    await expect(connecting).rejects.toBe(reason);
    expect(openFdCount()).toBe(before);
    await listener.close();
  });

  it("rejects at once for an already aborted signal", async () => {
    const reason = new Error("too late");
    await expect(connectTcp("127.0.0.1", 9, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("binds the local address and port it is given", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const localPort = await freePort();
    const client = await connectTcp("127.0.0.1", port, { localHost: "127.0.0.1", localPort });
    expect(client.localAddress()).toEqual(["127.0.0.1", localPort]);
    const server = await listener.accept();
    expect(server.remoteAddress()).toEqual(["127.0.0.1", localPort]);
    await Promise.all([client.close(0), server.close(0), listener.close()]);
  });

  it("rejects (never throws) when Node refuses the options", async () => {
    const connecting = connectTcp("127.0.0.1", 9, { localHost: "not-an-address" });
    expect(connecting).toBeInstanceOf(Promise);
    await expect(connecting).rejects.toMatchObject({ code: "ERR_INVALID_IP_ADDRESS" });
  });

  it("connects over IPv6", async () => {
    const listener = await createTcpListener("::1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const client = await connectTcp("::1", port, {});
    expect(client.family).toBe("inet6");
    const server = await listener.accept();
    expect(server.family).toBe("inet6");
    await Promise.all([client.close(0), server.close(0), listener.close()]);
  });
});

describe("connectUnix", () => {
  it("rejects with Node's ENOENT for a missing path", async () => {
    const tmp = tempDir();
    try {
      await expect(connectUnix(join(tmp.dir, "missing.sock"), {})).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      tmp.remove();
    }
  });

  it("rejects with ECONNREFUSED for an abstract name nobody listens on", async () => {
    await expect(connectUnix(`\0portio-node-nobody-${process.pid}`, {})).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("rejects with the abort reason for an aborted signal", async () => {
    const reason = new Error("stop");
    await expect(connectUnix("/nonexistent", { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
