import { describe, expect, it } from "vitest";
import { chmodSync, linkSync, lstatSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedError } from "@portio/core";
import type { StreamTransport } from "@portio/core/backend";
import { settledCount } from "@portio/testkit";
import { connectTcp, createTcpListener, nodeHasReusePort } from "../src/tcp.ts";
import { connectUnix, createUnixListener } from "../src/unix.ts";
import { fdTarget, openFdCount, readExactly, tcpListenerOptions, tempDir, text, untext } from "./helpers.ts";

describe("NodeListenerTransport over TCP", () => {
  it("queues connections that arrive before accept() and hands them out in order", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const client = await connectTcp("127.0.0.1", port, {});
      await client.write(text(`client ${i}`));
      clients.push(client);
    }
    for (let i = 0; i < 3; i++) {
      const server = await listener.accept();
      expect(server.remoteAddress()).toEqual(clients[i]!.localAddress());
      expect(untext(await readExactly(server, 8))).toBe(`client ${i}`);
      await server.close(0);
    }
    await Promise.all(clients.map((c) => c.close(0)));
    await listener.close();
  });

  it("resolves a pending accept() when a client connects", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const accepting = listener.accept();
    const client = await connectTcp("127.0.0.1", port, {});
    const server = await accepting;
    expect(server.remoteAddress()).toEqual(client.localAddress());
    await Promise.all([client.close(0), server.close(0), listener.close()]);
  });

  it("acceptWith: the next connection goes to the sink, a queued one comes back at once, close rejects the sink", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const clients: StreamTransport[] = [];
    const viaSink = new Promise<StreamTransport>((resolve, reject) => {
      expect(listener.acceptWith!({ resolve, reject })).toBeUndefined();
    });
    clients.push(await connectTcp("127.0.0.1", port, {}));
    const first = await viaSink;
    expect(first.remoteAddress()).toEqual(clients[0]!.localAddress());

    // Queued before the call: returned at once. Until Node has queued it, each call gives up by abort.
    clients.push(await connectTcp("127.0.0.1", port, {}));
    const gaveUp: unknown[] = [];
    const notYet = new Error("not queued yet");
    let second: StreamTransport | undefined;
    for (let turn = 0; second === undefined && turn < 1000; turn++) {
      const giveUp = new AbortController();
      const sink = {
        resolve: () => expect.unreachable("the aborted call took a connection"),
        reject: (e: unknown) => gaveUp.push(e),
      };
      second = listener.acceptWith!(sink, giveUp.signal);
      if (second === undefined) {
        giveUp.abort(notYet);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    expect(second?.remoteAddress()).toEqual(clients[1]!.localAddress());
    expect(gaveUp.every((error) => error === notYet)).toBe(true);

    const rejected = new Promise<unknown>((resolve) => {
      expect(listener.acceptWith!({ resolve: () => resolve("accepted"), reject: resolve })).toBeUndefined();
    });
    await listener.close();
    expect(await rejected).toBeInstanceOf(Error);
    await Promise.all([...clients, first, second!].map((stream) => stream.close(0)));
  });

  it("rejects a pending accept() on close and every accept() after it", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const accepting = listener.accept();
    await listener.close();
    await expect(accepting).rejects.toThrow(Error);
    await expect(listener.accept()).rejects.toThrow(Error);
    await listener.close(); // idempotent
  });

  it("closes connections that were never accepted", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const before = openFdCount();
    const client = await connectTcp("127.0.0.1", port, {});
    // Wait until the server side has really been accepted by Node (it is queued by then).
    const probe = await connectTcp("127.0.0.1", port, {});
    const first = await listener.accept();
    expect(first.remoteAddress()).toEqual(client.localAddress());
    await first.close(0);
    // `probe` is queued, never accepted; closing the listener must close it.
    await listener.close();
    expect(await probe.read()).toBeNull();
    expect(await client.read()).toBeNull();
    await Promise.all([client.close(0), probe.close(0)]);
    // Re-read for a moment if the count differs: under load, one run saw an fd Node itself was
    // still closing; a connection this listener left open still fails here.
    expect(await settledCount(openFdCount, before - 1)).toBe(before - 1); // the listener's fd is gone too
  });

  it("releases the port on close while an accepted connection stays open", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const listenerFd = listener.fd!;
    const listenerTarget = fdTarget(listenerFd);
    expect(listenerTarget).toMatch(/^socket:/);
    const client = await connectTcp("127.0.0.1", port, {});
    const server = await listener.accept();

    await expect(createTcpListener("127.0.0.1", port, tcpListenerOptions)).rejects.toMatchObject({ code: "EADDRINUSE" });
    await listener.close();
    expect(fdTarget(listenerFd)).not.toBe(listenerTarget);
    expect(listener.fd).toBeUndefined();

    // The accepted connection still works...
    await client.write(text("still here"));
    expect(untext(await readExactly(server, 10))).toBe("still here");
    // ...and the port can be bound again right away.
    const again = await createTcpListener("127.0.0.1", port, tcpListenerOptions);
    expect(again.localAddress()).toEqual(["127.0.0.1", port]);
    await Promise.all([again.close(), client.close(0), server.close(0)]);
  });

  it("rejects with Node's EADDRINUSE when the port is taken", async () => {
    const listener = await createTcpListener("127.0.0.1", 0, tcpListenerOptions);
    const [, port] = listener.localAddress() as [string, number];
    const before = openFdCount();
    await expect(createTcpListener("127.0.0.1", port, tcpListenerOptions)).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
    expect(openFdCount()).toBe(before);
    await listener.close();
  });

  it("binds IPv6 only when asked, leaving the IPv4 port free", async () => {
    const v6 = await createTcpListener("::", 0, { ...tcpListenerOptions, ipv6Only: true });
    expect(v6.family).toBe("inet6");
    const [host, port] = v6.localAddress() as [string, number];
    expect(host).toBe("::");
    const v4 = await createTcpListener("0.0.0.0", port, { ...tcpListenerOptions, ipv6Only: true });
    expect(v4.family).toBe("inet");
    await Promise.all([v6.close(), v4.close()]);

    const dual = await createTcpListener("::", 0, { ...tcpListenerOptions, ipv6Only: false });
    const [, dualPort] = dual.localAddress() as [string, number];
    await expect(createTcpListener("0.0.0.0", dualPort, tcpListenerOptions)).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
    // The dual-stack listener takes IPv4 clients, seen as IPv4-mapped addresses.
    const client = await connectTcp("127.0.0.1", dualPort, {});
    const server = await dual.accept();
    expect(server.family).toBe("inet6");
    expect(server.remoteAddress()).toEqual(["::ffff:127.0.0.1", (client.localAddress() as [string, number])[1]]);
    await Promise.all([client.close(0), server.close(0), dual.close()]);
  });

  it("shares a port with reusePort where Node supports it, and says so where it does not", async () => {
    const options = { ...tcpListenerOptions, reusePort: true };
    if (!nodeHasReusePort()) {
      const error = await createTcpListener("127.0.0.1", 0, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/Node 22\.12/);
      return;
    }
    const first = await createTcpListener("127.0.0.1", 0, options);
    const [, port] = first.localAddress() as [string, number];
    const second = await createTcpListener("127.0.0.1", port, options);
    expect(second.localAddress()).toEqual(["127.0.0.1", port]);
    await Promise.all([first.close(), second.close()]);
  });

  it("knows which Node versions have listen({ reusePort })", () => {
    expect(nodeHasReusePort("20.20.2")).toBe(false);
    expect(nodeHasReusePort("22.11.0")).toBe(false);
    expect(nodeHasReusePort("22.12.0")).toBe(true);
    expect(nodeHasReusePort("23.0.0")).toBe(false);
    expect(nodeHasReusePort("23.1.0")).toBe(true);
    expect(nodeHasReusePort("24.0.0")).toBe(true);
  });
});

describe("NodeListenerTransport over Unix sockets", () => {
  it("replaces a stale socket file", async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, "stale.sock");
      // A socket file nobody listens on: a hard link to a live listener's socket outlives it
      // (Node unlinks only the name it bound).
      const old = await createUnixListener(join(tmp.dir, "old.sock"), { backlog: 16 });
      linkSync(join(tmp.dir, "old.sock"), path);
      await old.close();
      expect(lstatSync(path).isSocket()).toBe(true);
      await expect(connectUnix(path, {})).rejects.toMatchObject({ code: "ECONNREFUSED" });

      const listener = await createUnixListener(path, { backlog: 16 });
      const client = await connectUnix(path, {});
      const server = await listener.accept();
      await client.write(text("fresh"));
      expect(untext(await readExactly(server, 5))).toBe("fresh");
      await Promise.all([client.close(0), server.close(0), listener.close()]);
    } finally {
      tmp.remove();
    }
  });

  it("never deletes a regular file in the way", async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, "not-a-socket");
      writeFileSync(path, "precious");
      await expect(createUnixListener(path, { backlog: 16 })).rejects.toMatchObject({ code: "EADDRINUSE" });
      expect(readFileSync(path, "utf8")).toBe("precious");
    } finally {
      tmp.remove();
    }
  });

  it("sets the socket file's mode", async () => {
    const tmp = tempDir();
    try {
      for (const mode of [0o600, 0o666, 0o700]) {
        const path = join(tmp.dir, `mode-${mode.toString(8)}.sock`);
        const listener = await createUnixListener(path, { backlog: 16, mode });
        expect(statSync(path).mode & 0o777).toBe(mode);
        await listener.close();
      }
    } finally {
      tmp.remove();
    }
  });

  it("fails with EACCES for a directory it may not write to", async (context) => {
    // Root ignores directory permissions, so the refusal can only be seen as another user.
    if (process.getuid?.() === 0) context.skip("running as root, which ignores directory permissions");
    const tmp = tempDir();
    try {
      chmodSync(tmp.dir, 0o500);
      await expect(createUnixListener(join(tmp.dir, "x.sock"), { backlog: 16 })).rejects.toMatchObject({ code: "EACCES" });
    } finally {
      chmodSync(tmp.dir, 0o700);
      tmp.remove();
    }
  });

  it("closes unaccepted connections and releases the fd", async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, "close.sock");
      const before = openFdCount();
      const listener = await createUnixListener(path, { backlog: 16 });
      const fd = listener.fd!;
      const target = fdTarget(fd);
      expect(target).toMatch(/^socket:/);
      const client = await connectUnix(path, {});
      const accepting = connectUnix(path, {});
      const first = await listener.accept();
      const second = await accepting;
      await listener.close();
      expect(fdTarget(fd)).not.toBe(target);
      // Its server side was closed with the listener: end of stream once Node had accepted it, a
      // reset while the kernel still held it in the backlog (a libc connect returns that early).
      const outcome = await second.read().then(
        (chunk) => chunk,
        (error: { code?: string }) => error.code,
      );
      expect([null, "ECONNRESET"]).toContain(outcome);
      await first.write(text("ok"));
      expect(untext(await readExactly(client, 2))).toBe("ok");
      await Promise.all([client.close(0), second.close(0), first.close(0)]);
      expect(openFdCount()).toBe(before);
      // A new listener can take the path again.
      const again = await createUnixListener(path, { backlog: 16 });
      await again.close();
    } finally {
      tmp.remove();
    }
  });

  it("takes byte paths that are valid UTF-8 and refuses others", async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, "bytes-ü.sock");
      const bytes = new TextEncoder().encode(path);
      const listener = await createUnixListener(bytes, { backlog: 16 });
      expect(listener.localAddress()).toBe(path);
      const client = await connectUnix(bytes, {});
      expect(client.remoteAddress()).toBe(path);
      const server = await listener.accept();
      await Promise.all([client.close(0), server.close(0), listener.close()]);

      const invalid = new Uint8Array([...new TextEncoder().encode(join(tmp.dir, "bad-")), 0xff, 0xfe]);
      await expect(connectUnix(invalid, {})).rejects.toBeInstanceOf(UnsupportedError);
      const error = await createUnixListener(invalid, { backlog: 16 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/valid UTF-8/);
    } finally {
      tmp.remove();
    }
  });

  it("does not leave a socket file for abstract names", async () => {
    const name = `\0portio-node-abstract-${process.pid}`;
    const listener = await createUnixListener(name, { backlog: 16, mode: 0o600 });
    expect(existsSync(name.slice(1))).toBe(false);
    await listener.close();
    await expect(connectUnix(name, {})).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
