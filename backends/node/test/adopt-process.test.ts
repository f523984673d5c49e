/**
 * Adoption across processes: sockets a parent passes as fd 3 (Node's spawn stdio for net sockets
 * and servers; python3 for every kind), and systemd socket activation through the real
 * `systemd-socket-activate` (Debian package `systemd`). The child is test/adoption/echo-child.ts,
 * bundled once with esbuild because Node 20 cannot run TypeScript.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
// koffi stays external to the bundle and resolves through NODE_PATH.
const env = { ...process.env, NODE_PATH: join(root, "backends/node/node_modules") };
// systemd-socket-activate gives its command a clean environment: only LISTEN_* and what -E names.
const keepEnv = ["-E", `NODE_PATH=${env.NODE_PATH}`];
let dir: string;
let child: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portio-adopt-proc-"));
  const esbuildPackage = createRequire(createRequire(import.meta.url).resolve("tsup", { paths: [root] })).resolve(
    "esbuild/package.json",
  );
  child = join(dir, "echo-child.mjs");
  await new Promise<void>((resolve, reject) => {
    execFile(
      join(esbuildPackage, "../bin/esbuild"),
      [
        join(root, "test/adoption/echo-child.ts"),
        `--outfile=${child}`,
        "--bundle",
        "--format=esm",
        "--platform=node",
        "--external:koffi",
        "--log-level=error",
        `--alias:@portio/core/backend=${join(root, "packages/core/src/backend/index.ts")}`,
        `--alias:@portio/core=${join(root, "packages/core/src/index.ts")}`,
        `--alias:@portio/libc-socket=${join(root, "packages/libc-socket/src/index.ts")}`,
        `--alias:@portio/node-shared=${join(root, "packages/node-shared/src/index.ts")}`,
        `--alias:@portio/node=${join(root, "backends/node/src/index.ts")}`,
      ],
      { timeout: 60_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect(proc: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  proc.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => proc.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Resolves once systemd-socket-activate has said "Listening on ..." for each of its `count`
 * sockets: from then on a connection or datagram waits in the kernel until the child takes it.
 */
function listening(proc: ChildProcess, count = 1): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString();
      if (stderr.split("Listening on ").length - 1 >= count) {
        proc.stderr?.off("data", onData);
        resolve();
      }
    };
    proc.stderr?.on("data", onData);
    proc.once("close", () => reject(new Error(`systemd-socket-activate ended before listening: ${stderr}`)));
  });
}

function exchange(connect: () => net.Socket): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect();
    let reply = "";
    socket.on("error", reject);
    socket.on("connect", () => socket.write("hello"));
    socket.on("data", (chunk) => (reply += chunk.toString()));
    socket.on("close", () => resolve(reply));
  });
}

describe("from a Node parent (spawn stdio passes net objects as fd 3)", () => {
  it("a listening net.Server → wrapServerSocket in the child", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    // spawn's stdio takes sockets but not servers; a server goes as its fd number.
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const proc = spawn(process.execPath, [child, "server"], { stdio: ["ignore", "pipe", "pipe", fd], env });
    const done = collect(proc);
    server.close(); // the child has its own copy now
    const reply = await exchange(() => net.connect(port, "127.0.0.1"));
    const result = await done;
    expect(reply).toBe("echo:hello");
    expect(result.stdout).toContain("adopted fd=3 class=SocketListener family=inet");
    expect(result.code, result.stderr).toBe(0);
  });

  it("a connected net.Socket → wrapClientSocket in the child", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    await new Promise((resolve) => client.once("connect", resolve));
    const peer = await accepted;
    const proc = spawn(process.execPath, [child, "client"], { stdio: ["ignore", "pipe", "pipe", client], env });
    const done = collect(proc);
    client.destroy();
    server.close();
    let reply = "";
    peer.on("data", (chunk) => (reply += chunk.toString()));
    peer.write("hello");
    await new Promise((resolve) => peer.on("close", resolve));
    const result = await done;
    expect(reply).toBe("echo:hello");
    expect(result.stdout).toContain("class=SocketStream family=inet");
    expect(result.code, result.stderr).toBe(0);
  });
});

describe("from a python3 parent (fd 3 inherited through exec)", () => {
  const python = spawnSync("python3", ["--version"]).status === 0;
  const kinds: Array<[string, "client" | "server", string]> = [
    ["tcp_conn", "client", "SocketStream family=inet"],
    ["tcp_listen", "server", "SocketListener family=inet"],
    ["tcp6_listen", "server", "SocketListener family=inet6"],
    ["unix_conn", "client", "UNIXSocketStream family=unix"],
    ["unix_listen", "server", "UNIXSocketListener family=unix"],
    ["udp_unconn", "server", "UDPSocket family=inet"],
    ["udp6_unconn", "server", "UDPSocket family=inet6"],
    ["udp_conn", "client", "ConnectedUDPSocket family=inet"],
    ["unix_dgram", "server", "UNIXDatagramSocket family=unix"],
    ["unix_dgram_conn", "client", "ConnectedUNIXDatagramSocket family=unix"],
  ];
  for (const [kind, mode, expected] of kinds) {
    it.skipIf(!python)(`${kind} → ${expected.split(" ")[0]}`, async () => {
      const proc = spawn("python3", [join(root, "test/adoption/pass_socket.py"), kind, "--", process.execPath, child, mode], {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      });
      const result = await collect(proc);
      expect(result.stdout).toContain(`class=${expected}`);
      expect(result.stdout).toContain("peer ok child=0");
      expect(result.code, result.stderr).toBe(0);
    });
  }
});

describe("systemd socket activation (systemd-socket-activate)", () => {
  const activate = spawnSync("systemd-socket-activate", ["--help"]).status === 0;

  it.skipIf(!activate)("-l PORT with --fdname: a listener named in LISTEN_FDNAMES; the variables are unset", async () => {
    const port = await freePort();
    const proc = spawn(
      "systemd-socket-activate",
      [...keepEnv, "-l", `127.0.0.1:${port}`, "--fdname=web", process.execPath, child, "listen-fds"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      },
    );
    const ready = listening(proc);
    const done = collect(proc);
    await ready;
    expect(await exchange(() => net.connect(port, "127.0.0.1"))).toBe("echo:hello");
    const result = await done;
    expect(result.stdout).toContain("env-cleared true");
    expect(result.stdout).toContain("adopted fd=3 name=web class=SocketListener family=inet");
    expect(result.code, result.stderr).toBe(0);
  });

  it.skipIf(!activate)('two -l: a TCP and a Unix listener in fd order, unnamed ones "unknown"', async () => {
    const port = await freePort();
    const path = join(dir, "activated.sock");
    const proc = spawn(
      "systemd-socket-activate",
      [...keepEnv, "-l", `127.0.0.1:${port}`, "-l", path, process.execPath, child, "listen-fds"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      },
    );
    const ready = listening(proc, 2);
    const done = collect(proc);
    await ready;
    expect(await exchange(() => net.connect(port, "127.0.0.1"))).toBe("echo:hello");
    expect(await exchange(() => net.connect(path))).toBe("echo:hello");
    const result = await done;
    expect(result.stdout).toContain("adopted fd=3 name=unknown class=SocketListener family=inet");
    expect(result.stdout).toContain("adopted fd=4 name=unknown class=UNIXSocketListener family=unix");
    expect(result.code, result.stderr).toBe(0);
  });

  it.skipIf(!activate)("--accept: each connection arrives connected and is adopted with wrapClientSocket", async () => {
    const port = await freePort();
    const proc = spawn(
      "systemd-socket-activate",
      [...keepEnv, "--accept", "-l", `127.0.0.1:${port}`, process.execPath, child, "listen-fds"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      },
    );
    const ready = listening(proc);
    const done = collect(proc);
    await ready;
    try {
      expect(await exchange(() => net.connect(port, "127.0.0.1"))).toBe("echo:hello");
    } finally {
      proc.kill("SIGTERM");
    }
    const result = await done;
    expect(result.stdout).toMatch(/adopted fd=3 name=\S+ class=SocketStream family=inet/);
  });

  it.skipIf(!activate)("--datagram: a bound UDP socket becomes a UDPSocket", async () => {
    const port = await freePort();
    const proc = spawn(
      "systemd-socket-activate",
      [...keepEnv, "--datagram", "-l", `127.0.0.1:${port}`, process.execPath, child, "listen-fds"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      },
    );
    const ready = listening(proc);
    const done = collect(proc);
    await ready;
    const peer = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => peer.bind(0, "127.0.0.1", resolve));
    const reply = new Promise<string>((resolve) => peer.once("message", (message) => resolve(message.toString())));
    // The socket is bound (ready), so the datagram waits in its queue until the child adopts it.
    peer.send("hello", port, "127.0.0.1");
    expect(await reply).toBe("echo:hello");
    peer.close();
    const result = await done;
    expect(result.stdout).toContain("adopted fd=3 name=unknown class=UDPSocket family=inet");
    expect(result.code, result.stderr).toBe(0);
  });

  it("not activated: an empty list", async () => {
    const { listenFds, setBackend } = await import("@portio/core");
    const { nodeBackend } = await import("@portio/node");
    setBackend(nodeBackend);
    process.env.LISTEN_PID = String(process.pid + 1);
    process.env.LISTEN_FDS = "1";
    expect(await listenFds()).toEqual([]);
    expect(process.env.LISTEN_FDS).toBeUndefined();
  });
});
