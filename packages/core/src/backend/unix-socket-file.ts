/**
 * The one policy for the socket file of a Unix stream listener, written once over file and socket
 * primitives that each runtime injects: how the file comes to exist with its final mode, when a
 * file already at the path may be replaced, and which file `close` may remove.
 * @module
 */

import { UNIX_PATH_MAX_BYTES, isAbstractUnixPath } from "../addresses.ts";
import { osErrorCode } from "../errors.ts";

/** What {@link UnixSocketFileSystem.lstat} tells about a file (the link itself, not its target). */
export interface UnixFileStat {
  /** Device number of the file system holding it. */
  dev: number | bigint;
  /** Inode number. */
  ino: number | bigint;
  /** Whether the file is a socket. */
  isSocket: boolean;
}

/**
 * The runtime's file-system calls and connect probe that {@link listenOnUnixPath} needs. Each
 * may be synchronous or return a promise. Failures are the runtime's errors with their OS `code`
 * (`"ENOENT"`, `"EEXIST"`, `"ECONNREFUSED"`, ...), which is all the policy reads of them.
 *
 * @example
 * ```ts
 * import { chmodSync, linkSync, lstatSync, mkdirSync, rmdirSync, unlinkSync } from "node:fs";
 * const files: UnixSocketFileSystem = {
 *   mkdir: (path, mode) => mkdirSync(path, { mode }),
 *   rmdir: (path) => rmdirSync(path),
 *   lstat: (path) => { const s = lstatSync(path); return { dev: s.dev, ino: s.ino, isSocket: s.isSocket() }; },
 *   chmod: (path, mode) => chmodSync(path, mode),
 *   link: (existing, path) => linkSync(existing, path),
 *   unlink: (path) => unlinkSync(path),
 *   probeConnect: (path) => connectAndClose(path),
 * };
 * ```
 */
export interface UnixSocketFileSystem {
  /** Creates the directory `path` with `mode`; `EEXIST` when something is there already. */
  mkdir(path: string, mode: number): void | Promise<void>;
  /** Removes the empty directory `path`. */
  rmdir(path: string): void | Promise<void>;
  /** The file at `path` without following a symbolic link; `ENOENT` when there is none. */
  lstat(path: string): UnixFileStat | Promise<UnixFileStat>;
  /** Sets the mode of `path`. */
  chmod(path: string, mode: number): void | Promise<void>;
  /** Hard-links `existingPath` to `newPath`; `EEXIST` when `newPath` exists (never replaces it). */
  link(existingPath: string, newPath: string): void | Promise<void>;
  /** Removes the file `path`. */
  unlink(path: string): void | Promise<void>;
  /**
   * Connects a Unix stream socket to `path` and closes it at once; rejects with the connect's
   * error (`ECONNREFUSED` when nothing listens there).
   */
  probeConnect(path: string): Promise<void>;
}

/** How {@link listenOnUnixPath} binds and, on failure, closes the runtime's listener. */
export interface UnixSocketBinding<T> {
  /** File mode of the socket file (`undefined`: whatever the process's umask gives). */
  mode?: number | undefined;
  /**
   * Binds and listens at `path` with the runtime's API. `removeFile` is for the listener's close:
   * it removes the socket file if the path still names the one made here (a no-op until it is in
   * place, and once it is gone or replaced).
   */
  bind(path: string, removeFile: () => Promise<void>): Promise<T> | T;
  /** Closes what `bind` returned (the socket file could not be put in place). */
  close(bound: T): Promise<void> | void;
}

/**
 * Listens on a Unix stream socket at `path`. An abstract name (leading NUL) has no file and is
 * bound as it is. A file-system path gets its socket file so that no other user can ever reach
 * it under a mode looser than `mode`, and without taking over someone else's socket:
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
 * and `path`'s directory must leave room for the private directory's name (a `RangeError`
 * otherwise).
 *
 * @returns what `binding.bind` returned
 * @example
 * ```ts
 * const server = await listenOnUnixPath("/run/app.sock", files, {
 *   mode: 0o600,
 *   bind: (path, removeFile) => listenOn(path, { onClosed: removeFile }),
 *   close: (server) => server.close(),
 * });
 * ```
 */
export async function listenOnUnixPath<T>(path: string, files: UnixSocketFileSystem, binding: UnixSocketBinding<T>): Promise<T> {
  if (isAbstractUnixPath(path)) return binding.bind(path, async () => {});
  const privateDir = await makePrivateDirectory(files, directoryOf(path));
  let file: { dev: number | bigint; ino: number | bigint } | undefined;
  try {
    const temporary = privateBindPath(privateDir, path);
    const bound = await binding.bind(temporary, async () => {
      if (file !== undefined) await unlinkIfSame(files, path, file);
    });
    try {
      if (binding.mode !== undefined) await files.chmod(temporary, binding.mode);
      const { dev, ino } = await files.lstat(temporary);
      await linkIntoPlace(files, temporary, path);
      file = { dev, ino };
      return bound;
    } catch (error) {
      await binding.close(bound);
      throw error;
    } finally {
      await ignoreMissing(() => files.unlink(temporary));
    }
  } finally {
    await ignoreMissing(() => files.rmdir(privateDir));
  }
}

/** What `mkdtemp` appends: six characters from this set. */
const NAME_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new directory `.pXXXXXX` (mode 0700) in `dir`, as `mkdtemp` makes it on every runtime. */
async function makePrivateDirectory(files: UnixSocketFileSystem, dir: string): Promise<string> {
  const prefix = dir === "." ? ".p" : `${dir === "/" ? "" : dir}/.p`;
  // 62^6 names: a clash is a rare accident, a hundred in a row is a broken file system.
  for (let attempt = 0; ; attempt++) {
    const random = crypto.getRandomValues(new Uint8Array(6));
    const candidate = prefix + Array.from(random, (byte) => NAME_CHARACTERS[byte % NAME_CHARACTERS.length]).join("");
    try {
      await files.mkdir(candidate, 0o700);
      return candidate;
    } catch (error) {
      if (osErrorCode(error) !== "EEXIST" || attempt >= 100) throw error;
    }
  }
}

/** POSIX `dirname`: the path up to its last name (trailing slashes ignored). */
function directoryOf(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
}

/**
 * The temporary socket path inside `privateDir`, checked against the `sun_path` limit: the
 * private directory's name adds up to 11 bytes to `path`'s directory, so a path within a few
 * bytes of the limit whose own name is short has no room.
 */
function privateBindPath(privateDir: string, path: string): string {
  const temporary = `${privateDir}/s`;
  const bytes = new TextEncoder().encode(temporary).length;
  if (bytes >= UNIX_PATH_MAX_BYTES) {
    throw new RangeError(
      `cannot listen on ${JSON.stringify(path)}: the socket is first bound in a private directory next to it ` +
        `(${JSON.stringify(temporary)}, ${bytes} bytes), which must stay under the ${UNIX_PATH_MAX_BYTES}-byte ` +
        "Unix socket address limit; use a shorter directory",
    );
  }
  return temporary;
}

async function linkIntoPlace(files: UnixSocketFileSystem, temporary: string, path: string): Promise<void> {
  if (await tryLink(files, temporary, path)) return;
  let found: UnixFileStat | undefined;
  try {
    found = await files.lstat(path);
  } catch (error) {
    if (osErrorCode(error) !== "ENOENT") throw error;
  }
  if (found !== undefined) {
    if (!found.isSocket) throw addressInUse(path, "a file that is not a socket is at that path");
    if ((await probeSocketFile(files, path)) === "live") throw addressInUse(path, "a server is listening on that socket");
    // Stale: nothing listens. Another process may replace it at the same moment; then the second
    // link below fails and the caller sees EADDRINUSE rather than losing that process's socket.
    await unlinkIfSame(files, path, found);
  }
  if (!(await tryLink(files, temporary, path))) throw addressInUse(path, "another socket was created at that path meanwhile");
}

async function tryLink(files: UnixSocketFileSystem, temporary: string, path: string): Promise<boolean> {
  try {
    await files.link(temporary, path);
    return true;
  } catch (error) {
    if (osErrorCode(error) === "EEXIST") return false;
    throw error;
  }
}

/**
 * Removes the socket file at `path` only if it is still `file` (same device and inode): a file
 * someone else put there since is left alone.
 */
function unlinkIfSame(
  files: UnixSocketFileSystem,
  path: string,
  file: { dev: number | bigint; ino: number | bigint },
): Promise<void> {
  return ignoreMissing(async () => {
    const now = await files.lstat(path);
    if (now.isSocket && now.dev === file.dev && now.ino === file.ino) await files.unlink(path);
  });
}

/**
 * Whether a server listens on the socket file at `path`. Only `ECONNREFUSED` proves that nobody
 * does (a live server can also answer with a reset, e.g. one that closes at once); a file that
 * vanished meanwhile counts as stale, anything else as live.
 */
async function probeSocketFile(files: UnixSocketFileSystem, path: string): Promise<"live" | "stale"> {
  try {
    await files.probeConnect(path);
    return "live";
  } catch (error) {
    const code = osErrorCode(error);
    return code === "ECONNREFUSED" || code === "ENOENT" ? "stale" : "live";
  }
}

function addressInUse(path: string, why: string): Error {
  return Object.assign(new Error(`listen EADDRINUSE: address already in use ${path} (${why})`), {
    code: "EADDRINUSE",
    syscall: "listen",
  });
}

async function ignoreMissing(action: () => void | Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (osErrorCode(error) !== "ENOENT") throw error;
  }
}
