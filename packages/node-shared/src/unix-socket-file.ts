/**
 * The file-system and connect calls of core's Unix listener file policy (`listenOnUnixPath`),
 * over `node:fs` and `node:net`, which Node and Bun provide.
 * @module
 */

import { chmodSync, linkSync, lstatSync, mkdirSync, rmdirSync, unlinkSync } from "node:fs";
import net from "node:net";
import type { UnixSocketFileSystem } from "@portio/core/backend";

/**
 * `@portio/core/backend`'s {@link UnixSocketFileSystem} over `node:fs` and `node:net`. The file
 * calls are synchronous: each is one system call on a local file system.
 *
 * @example
 * ```ts
 * const listener = await listenOnUnixPath("/run/app.sock", nodeUnixSocketFiles, { mode: 0o600, bind, close });
 * ```
 */
export const nodeUnixSocketFiles: UnixSocketFileSystem = {
  mkdir: (path, mode) => void mkdirSync(path, { mode }),
  rmdir: (path) => rmdirSync(path),
  lstat(path) {
    const stats = lstatSync(path);
    return { dev: stats.dev, ino: stats.ino, isSocket: stats.isSocket() };
  },
  chmod: (path, mode) => chmodSync(path, mode),
  link: (existingPath, newPath) => linkSync(existingPath, newPath),
  unlink: (path) => unlinkSync(path),
  probeConnect: (path) =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ path });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", (error) => {
        socket.destroy();
        reject(error);
      });
    }),
};
