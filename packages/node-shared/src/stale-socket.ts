import { lstat, unlink } from "node:fs/promises";
import { errorCode } from "./errors.ts";
import { fsPath } from "./unix-path.ts";

/**
 * Removes a socket file left at `path` by an earlier socket that was not unlinked (as AnyIO
 * does before binding). Anything that is not a socket stays, so the bind that follows fails with
 * `EADDRINUSE` instead of destroying someone's file; a missing path is fine. Bytes are passed to
 * the file system as they are, so non-UTF-8 paths work too. Not for abstract names.
 *
 * Over `node:fs`, which every runtime has; Deno refuses it without `--allow-read` /
 * `--allow-write` with its usual `Deno.errors.NotCapable`.
 *
 * @example
 * ```ts
 * await removeStaleSocket("/tmp/app.sock");
 * server.listen("/tmp/app.sock");
 * ```
 */
export async function removeStaleSocket(path: string | Uint8Array): Promise<void> {
  const target = fsPath(path);
  try {
    if ((await lstat(target)).isSocket()) await unlink(target);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}
