/** Shared test helpers: connected pairs over loopback and fd accounting via /proc. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { connectTcp, createTcpListener } from "../src/tcp.ts";
import { connectUnix, createUnixListener } from "../src/unix.ts";
import type { NodeListenerTransport } from "../src/listener-transport.ts";
import type { NodeStreamTransport } from "../src/index.ts";
import type { StreamTransport } from "@portio/core/backend";

export interface Pair<T extends StreamTransport = NodeStreamTransport> {
  client: T;
  server: T;
  listener: NodeListenerTransport;
  /** Closes all three. */
  close(): Promise<void>;
}

export const tcpListenerOptions = { backlog: 128, reusePort: false, ipv6Only: true };

async function pair<T extends StreamTransport>(listener: NodeListenerTransport, connect: () => Promise<T>): Promise<Pair<T>> {
  const [client, server] = (await Promise.all([connect(), listener.accept()])) as unknown as [T, T];
  return {
    client,
    server,
    listener,
    close: async () => {
      await Promise.all([client.close(0), server.close(0), listener.close()]);
    },
  };
}

/** A client and its accepted peer over TCP on `host` (127.0.0.1 or ::1). */
export async function tcpPair(host = "127.0.0.1"): Promise<Pair> {
  const listener = await createTcpListener(host, 0, tcpListenerOptions);
  const [, port] = listener.localAddress() as [string, number];
  return pair<NodeStreamTransport>(listener, () => connectTcp(host, port, {}));
}

/** A client and its accepted peer over a Unix socket at `path`. */
export async function unixPair(path: string | Uint8Array): Promise<Pair<StreamTransport>> {
  const listener = await createUnixListener(path, { backlog: 128 });
  return pair(listener, () => connectUnix(path, {}));
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "portio-node-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reads until end of stream and returns everything, checking that no chunk is empty. */
export async function readAll(transport: StreamTransport): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const chunk = await transport.read();
    if (chunk === null) return concat(chunks);
    if (chunk.byteLength === 0) throw new Error("read() resolved an empty chunk");
    chunks.push(chunk);
  }
}

/** Reads exactly `n` bytes (fails at an early end of stream). */
export async function readExactly(transport: StreamTransport, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < n) {
    const chunk = await transport.read();
    if (chunk === null) throw new Error(`end of stream after ${total} of ${n} bytes`);
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  if (total !== n) throw new Error(`read ${total} bytes, wanted ${n}`);
  return concat(chunks);
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** `size` bytes of a pattern that makes reordered or lost chunks visible. */
export function pattern(size: number, seed = 0): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed + (i >>> 8)) & 0xff;
  return data;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Number of open fds of this process. */
export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * Fails if this process has more open fds than `before`. The count may take a few event-loop
 * turns to come down (the runtime finishes a close after the promise that reported it), so it is
 * read again for up to half a second; fewer than before is no leak (an fd the runtime opened for
 * itself earlier, closed meanwhile).
 */
export async function expectNoFdLeak(before: number, what = "open fds after the case"): Promise<void> {
  await expect.poll(openFdCount, { timeout: 500, interval: 25, message: what }).toBeLessThanOrEqual(before);
}

/** What fd `fd` refers to (e.g. `socket:[123]`), or undefined if it is not open. */
export function fdTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Whether an event is still pending after the promise has had every chance to settle from work
 * already queued (microtasks and one turn of the event loop). Used to observe backpressure
 * without timing: a write held back by a full buffer cannot settle until its peer reads.
 */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

/**
 * TCP_NODELAY of a socket fd as another process sees it (python3 getsockopt on the inherited
 * fd): 1 / 0, "ENOTTCP" for a socket without TCP options, or undefined when python3 is missing.
 */
export function tcpNoDelay(fd: number): number | "ENOTTCP" | undefined {
  const code = [
    "import socket",
    "s = socket.socket(fileno=3)",
    "try: print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))",
    "except OSError: print('ENOTTCP')",
    "s.detach()",
  ].join("\n");
  const result = spawnSync("python3", ["-c", code], { stdio: ["ignore", "pipe", "inherit", fd], encoding: "utf8" });
  if (result.error !== undefined || result.status !== 0) return undefined;
  const out = result.stdout.trim();
  return out === "ENOTTCP" ? out : Number(out);
}
