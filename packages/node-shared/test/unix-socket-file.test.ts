/**
 * Core's listenOnUnixPath over node-shared's nodeUnixSocketFiles, on the real file system: what
 * the conformance suite's unix-socket-files cases (run on every runtime) do not look at — a
 * relative path, and that no private directory is left behind whichever step fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listenOnUnixPath } from "@portio/core/backend";
import { nodeUnixSocketFiles } from "@portio/node-shared";
import { afterEach, beforeEach, expect, it } from "vitest";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "portio-usf-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A node:net server at `path`, closed with its file removal as the listeners do it. */
function binding(mode?: number) {
  return {
    mode,
    bind: (path: string, removeFile: () => Promise<void>) =>
      new Promise<{ server: net.Server; close: () => Promise<void> }>((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(path, () =>
          resolve({ server, close: () => new Promise<void>((done) => server.close(() => done())).then(removeFile) }),
        );
      }),
    close: (bound: { close: () => Promise<void> }) => bound.close(),
  };
}

it("a relative path is bound next to it (in the working directory) and removed on close", async () => {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    const bound = await listenOnUnixPath("app.sock", nodeUnixSocketFiles, binding(0o600));
    expect(readdirSync(dir)).toEqual(["app.sock"]);
    await new Promise<void>((resolve, reject) => {
      const client = net.connect({ path: join(dir, "app.sock") }, () => {
        client.destroy();
        resolve();
      });
      client.once("error", reject);
    });
    await bound.close();
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    process.chdir(previous);
  }
});

it("a bind that fails leaves no private directory", async () => {
  const failing = { bind: () => Promise.reject(Object.assign(new Error("no"), { code: "EACCES" })), close: () => {} };
  await expect(listenOnUnixPath(join(dir, "app.sock"), nodeUnixSocketFiles, failing)).rejects.toMatchObject({ code: "EACCES" });
  expect(readdirSync(dir)).toEqual([]);
});

it("a regular file at the path: EADDRINUSE, the file kept, the bound socket closed, no private directory left", async () => {
  writeFileSync(join(dir, "app.sock"), "keep me");
  let closed = 0;
  const counting = binding();
  const tracked = {
    ...counting,
    close: async (bound: { close: () => Promise<void> }) => {
      closed++;
      await bound.close();
    },
  };
  await expect(listenOnUnixPath(join(dir, "app.sock"), nodeUnixSocketFiles, tracked)).rejects.toMatchObject({
    code: "EADDRINUSE",
  });
  expect(closed).toBe(1);
  expect(readdirSync(dir)).toEqual(["app.sock"]);
  expect(readFileSync(join(dir, "app.sock"), "utf8")).toBe("keep me");
});

it("a missing directory fails with ENOENT", async () => {
  await expect(listenOnUnixPath(join(dir, "missing", "app.sock"), nodeUnixSocketFiles, binding())).rejects.toMatchObject({
    code: "ENOENT",
  });
  expect(readdirSync(dir)).toEqual([]);
});

it("an abstract name is bound under that very name", async () => {
  const name = `\0portio-usf-${process.pid}-${Date.now()}`;
  const bound = await listenOnUnixPath(name, nodeUnixSocketFiles, binding());
  expect(bound.server.address()).toBe(name);
  await bound.close();
});
