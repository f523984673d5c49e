import { readFile, readdir, readlink } from "node:fs/promises";
import type { ProcFiles } from "@portio/testkit";

/**
 * The file operations `findTcpSocketFd` needs, over node:fs (Node, Bun, and Deno under
 * `--allow-read`).
 *
 * @example
 * ```ts
 * const fd = await findTcpSocketFd(procFiles(), localPort, remotePort);
 * ```
 */
export function procFiles(): ProcFiles {
  return {
    readText: (path) => readFile(path, "utf8"),
    readDir: (path) => readdir(path),
    readLink: (path) => readlink(path),
  };
}
