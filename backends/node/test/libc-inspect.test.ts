// inspectSocket over the koffi binder, on every kind of fd adoption can meet.
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibcSocket, SystemError, getReactor, inspectSocket } from "@portio/libc-socket";
import { getKoffiBinder } from "../src/libc-binder.ts";

const binder = getKoffiBinder();
const fdCount = (): number => readdirSync("/proc/self/fd").length;
const hasIPv6Loopback = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.family === "IPv6" && i.address === "::1"),
);
const inspect = (sock: LibcSocket | number) => inspectSocket(binder, typeof sock === "number" ? sock : sock.fd);

let dir: string;
let fdsBefore: number;
const open: LibcSocket[] = [];
function track<T extends LibcSocket | LibcSocket[]>(value: T): T {
  open.push(...(Array.isArray(value) ? value : [value]));
  return value;
}

beforeAll(() => {
  binder.errno(); // load koffi before counting fds
  dir = mkdtempSync(join(tmpdir(), "portio-libc-inspect-"));
  fdsBefore = fdCount();
});

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await getReactor(binder).whenIdle();
  expect(fdCount()).toBe(fdsBefore);
  rmSync(dir, { recursive: true, force: true });
});

describe("TCP", () => {
  it("unbound", () => {
    const sock = track(LibcSocket.create(binder, "inet", "stream"));
    expect(inspect(sock)).toEqual({
      fd: sock.fd,
      family: "inet",
      type: "stream",
      state: "unbound",
      listening: false,
      connected: false,
      localAddress: ["0.0.0.0", 0],
      remoteAddress: null,
    });
  });

  it("bound", () => {
    const sock = track(LibcSocket.create(binder, "inet", "stream"));
    sock.bind(["127.0.0.1", 0]);
    const info = inspect(sock);
    expect(info).toMatchObject({ state: "bound", listening: false, connected: false, remoteAddress: null });
    expect(info.localAddress).toEqual(sock.getsockname());
  });

  it("listening (ours and node:net's)", async () => {
    const sock = track(LibcSocket.create(binder, "inet", "stream"));
    sock.bind(["127.0.0.1", 0]);
    sock.listen();
    expect(inspect(sock)).toMatchObject({ state: "listening", listening: true, connected: false });

    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const info = inspect(fd);
    expect(info).toMatchObject({ family: "inet", type: "stream", state: "listening" });
    expect(info.localAddress).toEqual(["127.0.0.1", (server.address() as net.AddressInfo).port]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("connected, both ends", async () => {
    const listener = track(LibcSocket.create(binder, "inet", "stream"));
    listener.bind(["127.0.0.1", 0]);
    listener.listen();
    const client = track(LibcSocket.create(binder, "inet", "stream"));
    const [[server]] = await Promise.all([listener.accept(), client.connect(listener.getsockname())]);
    track(server);
    const clientInfo = inspect(client);
    const serverInfo = inspect(server);
    expect(clientInfo).toMatchObject({ state: "connected", connected: true, listening: false });
    expect(serverInfo).toMatchObject({ state: "connected", connected: true, listening: false });
    expect(clientInfo.remoteAddress).toEqual(listener.getsockname());
    expect(serverInfo.remoteAddress).toEqual(clientInfo.localAddress);
    expect(serverInfo.localAddress).toEqual(clientInfo.remoteAddress);
  });

  it("connecting: a SYN to a listener whose accept queue is full stays in SYN_SENT", async () => {
    // Linux drops SYNs while a listener's accept queue is full (backlog 0 holds one connection),
    // so the second client's connect stays in progress, all on 127.0.0.1.
    const listener = track(LibcSocket.create(binder, "inet", "stream"));
    listener.bind(["127.0.0.1", 0]);
    listener.listen(0);
    const first = track(LibcSocket.create(binder, "inet", "stream"));
    await first.connect(listener.getsockname());
    const second = track(LibcSocket.create(binder, "inet", "stream"));
    const connecting = second.connect(listener.getsockname()).catch((e: unknown) => e);
    const info = inspect(second);
    expect(info).toMatchObject({ state: "connecting", connected: false, listening: false, remoteAddress: null });
    expect((info.localAddress as [string, number])[1]).toBeGreaterThan(0); // connect bound it
    await second.close(); // ends the pending connect
    expect(await connecting).toBeDefined();
  });

  it.skipIf(!hasIPv6Loopback)("inet6 bound", () => {
    const sock = track(LibcSocket.create(binder, "inet6", "stream"));
    sock.bind(["::1", 0]);
    expect(inspect(sock)).toMatchObject({ family: "inet6", type: "stream", state: "bound" });
    expect((inspect(sock).localAddress as [string, number])[0]).toBe("::1");
  });
});

describe("UDP", () => {
  it("unbound, bound, connected", async () => {
    const sock = track(LibcSocket.create(binder, "inet", "dgram"));
    expect(inspect(sock)).toMatchObject({ family: "inet", type: "dgram", state: "unbound", localAddress: ["0.0.0.0", 0] });
    sock.bind(["127.0.0.1", 0]);
    expect(inspect(sock)).toMatchObject({ state: "bound", connected: false, remoteAddress: null });
    const peer = track(LibcSocket.create(binder, "inet", "dgram"));
    peer.bind(["127.0.0.1", 0]);
    await sock.connect(peer.getsockname());
    expect(inspect(sock)).toMatchObject({ state: "connected", connected: true, remoteAddress: peer.getsockname() });
    // connect() on an unbound UDP socket binds it too
    const fresh = track(LibcSocket.create(binder, "inet", "dgram"));
    await fresh.connect(peer.getsockname());
    expect(inspect(fresh)).toMatchObject({ state: "connected" });
  });
});

describe("Unix", () => {
  it("stream listening and connected (both ends)", async () => {
    const path = join(dir, "stream.sock");
    const listener = track(LibcSocket.create(binder, "unix", "stream"));
    listener.bind(path);
    listener.listen();
    expect(inspect(listener)).toEqual({
      fd: listener.fd,
      family: "unix",
      type: "stream",
      state: "listening",
      listening: true,
      connected: false,
      localAddress: path,
      remoteAddress: null,
    });
    const client = track(LibcSocket.create(binder, "unix", "stream"));
    const [[server]] = await Promise.all([listener.accept(), client.connect(path)]);
    track(server);
    expect(inspect(client)).toMatchObject({ state: "connected", localAddress: "", remoteAddress: path });
    expect(inspect(server)).toMatchObject({ state: "connected", localAddress: path, remoteAddress: "" });
  });

  it("stream unbound and bound-not-listening", () => {
    const sock = track(LibcSocket.create(binder, "unix", "stream"));
    expect(inspect(sock)).toMatchObject({ state: "unbound", localAddress: "" });
    sock.bind(join(dir, "bound.sock"));
    expect(inspect(sock)).toMatchObject({ state: "bound", listening: false });
  });

  it("datagram: unbound, bound to a path, abstract, connected", async () => {
    const sock = track(LibcSocket.create(binder, "unix", "dgram"));
    expect(inspect(sock)).toMatchObject({ family: "unix", type: "dgram", state: "unbound", localAddress: "" });
    const path = join(dir, "dgram.sock");
    sock.bind(path);
    expect(inspect(sock)).toMatchObject({ state: "bound", localAddress: path });
    const abstract = track(LibcSocket.create(binder, "unix", "dgram"));
    abstract.bind(`\0portio-inspect-${process.pid}`);
    expect(inspect(abstract)).toMatchObject({
      state: "bound",
      localAddress: new TextEncoder().encode(`\0portio-inspect-${process.pid}`),
    });
    const client = track(LibcSocket.create(binder, "unix", "dgram"));
    await client.connect(path);
    expect(inspect(client)).toMatchObject({ state: "connected", remoteAddress: path });
  });

  it("socketpair, both types", () => {
    for (const kind of ["stream", "dgram"] as const) {
      const [a, b] = track(LibcSocket.socketpair(binder, kind));
      for (const sock of [a, b]) {
        expect(inspect(sock)).toEqual({
          fd: sock.fd,
          family: "unix",
          type: kind,
          state: "connected",
          listening: false,
          connected: true,
          localAddress: "",
          remoteAddress: "",
        });
      }
    }
  });
});

describe("not a socket", () => {
  const failure = (fd: number): unknown => {
    try {
      inspectSocket(binder, fd);
    } catch (error) {
      return error;
    }
    throw new Error("inspectSocket did not throw");
  };

  it("a regular file is ENOTSOCK", () => {
    const fd = openSync(join(dir, "file"), "w");
    try {
      const error = failure(fd);
      expect(error).toBeInstanceOf(SystemError);
      expect(error).toMatchObject({ code: "ENOTSOCK", syscall: "getsockopt" });
    } finally {
      closeSync(fd);
    }
  });

  it("a pipe is ENOTSOCK", () => {
    const fds = new Uint8Array(8);
    expect(binder.pipe(fds)).toBe(0);
    const view = new DataView(fds.buffer);
    try {
      expect(failure(view.getInt32(0, true))).toMatchObject({ code: "ENOTSOCK" });
      expect(failure(view.getInt32(4, true))).toMatchObject({ code: "ENOTSOCK" });
    } finally {
      binder.close(view.getInt32(0, true));
      binder.close(view.getInt32(4, true));
    }
  });

  it("a closed fd and a never-opened fd are EBADF", async () => {
    const sock = LibcSocket.create(binder, "inet", "stream");
    await sock.close();
    // nothing in this process opens an fd between the close and here (no await in between)
    expect(failure(sock.fd)).toMatchObject({ code: "EBADF", errno: -9 });
    expect(failure(1_000_000)).toMatchObject({ code: "EBADF" });
  });

  it("a value that is not an fd is a TypeError", () => {
    expect(() => inspectSocket(binder, -1)).toThrow(TypeError);
    expect(() => inspectSocket(binder, 1.5)).toThrow(TypeError);
  });
});
