/**
 * The one policy for the socket file of a Unix stream listener, over `node:fs` and `node:net`
 * (which Node, Deno and Bun all have): how the file comes to exist with its final mode, when a file
 * already at the path may be replaced, and which file `close` may remove.
 * @module
 */

import { chmodSync, linkSync, lstatSync, mkdtempSync, rmdirSync, unlinkSync, type Stats } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { UNIX_PATH_MAX_BYTES } from "@portio/core";
import { codedError, errorCode } from "./errors.ts";

/** Which file a listener created: removed on close only while the path still names it. */
export interface UnixSocketFileIdentity {
  /** Where the listener put its socket file. */
  path: string;
  /** The file's device number. */
  dev: number;
  /** The file's inode number. */
  ino: number;
}

/** How {@link bindUnixSocketFile} binds and, on failure, closes the runtime's listener. */
export interface UnixSocketBinding<T> {
  /** File mode of the socket file (`undefined`: whatever the process's umask gives). */
  mode?: number | undefined;
  /**
   * Binds and listens at `path` with the runtime's API. `removeFile` is for the listener's close:
   * it removes the socket file if the path still names the one made here (a no-op until it is in
   * place, and once it is gone or replaced).
   */
  bind(path: string, removeFile: () => void): Promise<T> | T;
  /** Closes what `bind` returned (the socket file could not be put in place). */
  close(bound: T): Promise<void> | void;
}

/**
 * Creates the socket file of a Unix stream listener at `path` so that no other user can ever
 * reach it under a mode looser than `mode`, and without taking over someone else's socket:
 *
 * 1. the socket is bound in a fresh private directory (mode 0700) next to `path`, on the same
 *    file system, and given `mode` there, where no one else can connect to it;
 * 2. it is hard-linked to `path` (`link` is atomic and never replaces anything);
 * 3. if something is already at `path`: a socket file nobody listens on (a connect is refused
 *    with `ECONNREFUSED`) is stale and replaced; a live socket, or any other kind of file, stays
 *    and the call fails with `EADDRINUSE`;
 * 4. the temporary name and the directory are removed.
 *
 * The kernel reports the temporary name from `getsockname()`; callers report `path` themselves.
 * The private directory needs write access to `path`'s directory (which binding needs anyway)
 * and `path` must leave room for its name (see {@link privateBindPath}).
 *
 * @returns what `bind` returned
 * @example
 * ```ts
 * const server = await bindUnixSocketFile("/run/app.sock", {
 *   mode: 0o600,
 *   bind: (path, removeFile) => listenOn(path, { onClosed: removeFile }),
 *   close: (server) => server.close(),
 * });
 * ```
 */
export async function bindUnixSocketFile<T>(path: string, binding: UnixSocketBinding<T>): Promise<T> {
  const privateDir = mkdtempSync(join(dirname(path), ".p"));
  const temporary = privateBindPath(privateDir, path);
  let file: UnixSocketFileIdentity | undefined;
  try {
    const bound = await binding.bind(temporary, () => file && unlinkUnixSocketFile(file));
    try {
      if (binding.mode !== undefined) chmodSync(temporary, binding.mode);
      const { dev, ino } = lstatSync(temporary);
      await linkIntoPlace(temporary, path);
      file = { path, dev, ino };
      return bound;
    } catch (error) {
      await binding.close(bound);
      throw error;
    }
  } finally {
    ignoreMissing(() => unlinkSync(temporary));
    ignoreMissing(() => rmdirSync(privateDir));
  }
}

/**
 * Removes the socket file a listener created, only if `file.path` still names that very file
 * (same device and inode): a file someone else put there since is left alone.
 *
 * @example
 * ```ts
 * await server.close();
 * unlinkUnixSocketFile(file);
 * ```
 */
export function unlinkUnixSocketFile(file: UnixSocketFileIdentity): void {
  ignoreMissing(() => {
    const stats = lstatSync(file.path);
    if (stats.isSocket() && stats.dev === file.dev && stats.ino === file.ino) unlinkSync(file.path);
  });
}

/**
 * The temporary socket path inside `privateDir`, checked against the `sun_path` limit: the
 * private directory's name adds up to 11 bytes to `path`'s directory, so a path within a few
 * bytes of the limit whose own name is short has no room.
 */
function privateBindPath(privateDir: string, path: string): string {
  const temporary = join(privateDir, "s");
  const bytes = new TextEncoder().encode(temporary).length;
  if (bytes >= UNIX_PATH_MAX_BYTES) {
    ignoreMissing(() => rmdirSync(privateDir));
    throw new RangeError(
      `cannot listen on ${JSON.stringify(path)}: the socket is first bound in a private directory next to it ` +
        `(${JSON.stringify(temporary)}, ${bytes} bytes), which must stay under the ${UNIX_PATH_MAX_BYTES}-byte ` +
        "Unix socket address limit; use a shorter directory",
    );
  }
  return temporary;
}

async function linkIntoPlace(temporary: string, path: string): Promise<void> {
  if (tryLink(temporary, path)) return;
  let stats: Stats | undefined;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  if (stats !== undefined) {
    if (!stats.isSocket()) throw addressInUse(path, "a file that is not a socket is at that path");
    if ((await probeSocketFile(path)) === "live") throw addressInUse(path, "a server is listening on that socket");
    // Stale: nothing listens. Another process may replace it at the same moment; then the second
    // link below fails and the caller sees EADDRINUSE rather than losing that process's socket.
    ignoreMissing(() => {
      const again = lstatSync(path);
      if (again.isSocket() && again.dev === stats.dev && again.ino === stats.ino) unlinkSync(path);
    });
  }
  if (!tryLink(temporary, path)) throw addressInUse(path, "another socket was created at that path meanwhile");
}

function tryLink(temporary: string, path: string): boolean {
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

/**
 * Whether a server listens on the socket file at `path`. Only `ECONNREFUSED` proves that nobody
 * does (a live server can also answer with a reset, e.g. one that closes at once); a file that
 * vanished meanwhile counts as stale, anything else as live.
 */
function probeSocketFile(path: string): Promise<"live" | "stale"> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve("live");
    });
    socket.once("error", (error) => {
      socket.destroy();
      const code = errorCode(error);
      resolve(code === "ECONNREFUSED" || code === "ENOENT" ? "stale" : "live");
    });
  });
}

function addressInUse(path: string, why: string): Error {
  return codedError(`listen EADDRINUSE: address already in use ${path} (${why})`, "EADDRINUSE", "listen");
}

function ignoreMissing(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}
