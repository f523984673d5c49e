/**
 * Handing sockets between processes and runtimes with sendSocket / receiveSocket (SCM_RIGHTS
 * over a Unix stream): this Node process on one side, a child on Node, Bun, Deno or Python 3 on
 * the other. The children are test/handoff/child-*.ts (bundled here with esbuild) and
 * test/handoff/py_handoff.py (the standard library's socket.send_fds / recv_fds).
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  SocketAttribute,
  SocketListener,
  UDPSocket,
  UNIXSocketListener,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  receiveSocket,
  sendSocket,
  setBackend,
  type UNIXSocketStream,
} from "@portio/core";
import { nodeBackend } from "@portio/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

setBackend(nodeBackend);
const root = fileURLToPath(new URL("../", import.meta.url));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const untext = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
let dir: string;
const bundles: Record<"node" | "bun" | "deno", string> = { node: "", bun: "", deno: "" };

function bundle(runtime: "node" | "bun" | "deno"): Promise<void> {
  const esbuild = join(
    createRequire(createRequire(import.meta.url).resolve("tsup", { paths: [root] })).resolve("esbuild/package.json"),
    "../bin/esbuild",
  );
  const out = join(dir, `child-${runtime}.mjs`);
  bundles[runtime] = out;
  // The workspace packages resolve as everywhere else, from their package.json exports' sources
  // ("portio-source"): the backend's dependencies through its node_modules (NODE_PATH, for the
  // child's own imports too), the backend itself, which is nobody's dependency here, by an alias.
  return new Promise((resolve, reject) => {
    execFile(
      esbuild,
      [
        join(root, `test/handoff/child-${runtime}.ts`),
        `--outfile=${out}`,
        "--bundle",
        "--format=esm",
        "--platform=node",
        "--external:koffi",
        "--external:bun",
        "--external:bun:ffi",
        "--log-level=error",
        "--conditions=portio-source",
        `--alias:@portio/${runtime}=${join(root, `backends/${runtime}/src/index.ts`)}`,
      ],
      { timeout: 60_000, env: { ...process.env, NODE_PATH: join(root, `backends/${runtime}/node_modules`) } },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portio-handoff-"));
  await Promise.all([bundle("node"), bundle("bun"), bundle("deno")]);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Peer = "node" | "bun" | "deno" | "python";

function start(
  peer: Peer,
  args: string[],
  denoFlags = ["--allow-ffi", "--allow-read", "--allow-write", "--allow-net"],
): ChildProcess {
  const env = { ...process.env, NODE_PATH: join(root, "backends/node/node_modules"), DENO_NO_UPDATE_CHECK: "1" };
  const [command, prefix] =
    peer === "node"
      ? [process.execPath, [bundles.node]]
      : peer === "bun"
        ? [join(root, "node_modules/.bin/bun"), [bundles.bun]]
        : peer === "deno"
          ? [join(root, "node_modules/deno/deno"), ["run", "--no-prompt", ...denoFlags, bundles.deno]]
          : ["python3", [join(root, "test/handoff/py_handoff.py")]];
  return spawn(command, [...prefix, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with the child's exit code and output; kills it if it runs past `ms` (bounded). */
function finished(child: ChildProcess, ms = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const openFds = (): number => readdirSync("/proc/self/fd").length;

/** A channel listener, the child started against it, and the accepted channel. */
async function withChild(
  peer: Peer,
  args: (channelPath: string) => string[],
): Promise<{
  channel: UNIXSocketStream;
  done: ReturnType<typeof finished>;
  close(): Promise<void>;
}> {
  const channelPath = join(mkdtempSync(join(dir, "ch-")), "channel.sock");
  const channelListener = await createUnixListener(channelPath);
  const child = start(peer, args(channelPath));
  const done = finished(child);
  const channel = await Promise.race([
    channelListener.accept({ signal: AbortSignal.timeout(20_000) }),
    done.then((result) => {
      throw new Error(`the ${peer} child ended before connecting: ${JSON.stringify(result)}`);
    }),
  ]);
  await channelListener.aclose();
  return { channel, done, close: () => channel.aclose() };
}

async function askEcho(port: number): Promise<string> {
  const client = await connectTcp("127.0.0.1", port);
  try {
    await client.send(utf8("hello"));
    return untext(await client.receive(100, { signal: AbortSignal.timeout(15_000) }));
  } finally {
    await client.aclose();
  }
}

describe.each(["node", "bun", "deno", "python"] as const)("Node hands its TCP listener to %s", (peer) => {
  it("the child rebuilds it and serves a client on the same port; Node's copy is closed", async () => {
    const before = openFds();
    const { channel, done, close } = await withChild(peer, (path) => ["serve", path]);
    const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
    const port = listener.extra(SocketAttribute.localPort);
    await sendSocket(channel, listener);
    await listener.aclose(); // from now on only the child accepts
    expect(await askEcho(port)).toBe("echo:hello");
    const result = await done;
    await close();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(peer === "python" ? "received SOCK_STREAM" : "received SocketListener");
    expect(result.stdout).toContain("served");
    expect(openFds()).toBe(before);
  });
});

describe.each(["node", "bun", "python"] as const)("%s hands its TCP listener to Node", (peer) => {
  it("Node rebuilds it as a SocketListener and serves on it", async () => {
    const before = openFds();
    const { channel, done, close } = await withChild(peer, (path) =>
      peer === "python" ? ["give", path] : ["give", path, "tcp-listener"],
    );
    const received = await receiveSocket(channel, { signal: AbortSignal.timeout(20_000) });
    expect(received).toBeInstanceOf(SocketListener);
    const listener = received as SocketListener;
    const port = listener.extra(SocketAttribute.localPort);
    const [answer] = await Promise.all([
      askEcho(port),
      (async () => {
        const stream = await listener.accept();
        await stream.send(utf8(`echo:${untext(await stream.receive())}`));
        await stream.aclose();
      })(),
    ]);
    expect(answer).toBe("echo:hello");
    await listener.aclose();
    await close();
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("sent");
    expect(openFds()).toBe(before);
  });
});

describe("Deno hands sockets to Node", () => {
  it("a Unix listener (abstract name) comes back as a UNIXSocketListener", async () => {
    const before = openFds();
    const name = `portio-handoff-deno-${process.pid}`;
    const { channel, done, close } = await withChild("deno", (path) => ["give", path, "unix-listener", name]);
    const received = await receiveSocket(channel, { signal: AbortSignal.timeout(20_000) });
    expect(received).toBeInstanceOf(UNIXSocketListener);
    const listener = received as UNIXSocketListener;
    const [client, server] = await Promise.all([connectUnix(`\0${name}`), listener.accept()]);
    await client.send(utf8("hello"));
    expect(untext(await server.receive())).toBe("hello");
    await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
    await close();
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(openFds()).toBe(before);
  });

  it("a UDP socket comes back as a UDPSocket on the same port", async () => {
    const before = openFds();
    const { channel, done, close } = await withChild("deno", (path) => ["give", path, "udp"]);
    const received = await receiveSocket(channel, { signal: AbortSignal.timeout(20_000) });
    expect(received).toBeInstanceOf(UDPSocket);
    const udp = received as UDPSocket;
    const sender = await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
    await sender.sendto(utf8("dgram"), "127.0.0.1", udp.extra(SocketAttribute.localPort));
    const [data] = await udp.receive({ signal: AbortSignal.timeout(15_000) });
    expect(untext(data)).toBe("dgram");
    await Promise.all([sender.aclose(), udp.aclose()]);
    await close();
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(openFds()).toBe(before);
  });
});

describe.each(["node", "bun", "deno"] as const)("%s passes fds with a Python peer (socket.send_fds / recv_fds)", (runtime) => {
  it("receives sockets, keeps bytes around an fd message, reports too many fds, sends a socket, leaks nothing", async () => {
    const path = join(mkdtempSync(join(dir, "py-")), "peer.sock");
    const python = spawn("python3", [join(root, "test/handoff/py_peer.py"), path], { stdio: ["ignore", "pipe", "pipe"] });
    const pythonDone = finished(python);
    await new Promise<void>((resolve, reject) => {
      python.stdout!.once("data", () => resolve());
      void pythonDone.then((result) => reject(new Error(`python ended before listening: ${JSON.stringify(result)}`)));
    });
    // --allow-all only so that the child may count its fds in /proc/self/fd.
    const child = await finished(start(runtime, ["python", path], ["--allow-all"]));
    const peer = await pythonDone;
    expect(child.code, `${child.stderr}${child.stdout}\npython: ${peer.stderr}${peer.stdout}`).toBe(0);
    expect(child.stdout).toContain("scenario ok");
    expect(peer.code, peer.stderr).toBe(0);
    expect(peer.stdout).toContain("python ok");
  });
});
