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
  const { lstat, unlink } = await nodeFsPromises();
  try {
    if ((await lstat(target)).isSocket()) await unlink(target);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

/**
 * `node:fs/promises`, imported on the first Unix socket bind rather than with portio: on Node 24
 * it adds about 185 KB to the heap of every importer (about 3 KB on Node 20, which loads most of
 * it at start), heap that Node 24 marks again in each of a bulk receive's mark-compacts.
 */
function nodeFsPromises(): Promise<typeof import("node:fs/promises")> {
  return (fsPromisesModule ??= import("node:fs/promises"));
}

let fsPromisesModule: Promise<typeof import("node:fs/promises")> | undefined;
