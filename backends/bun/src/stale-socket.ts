import { lstat, unlink } from "node:fs/promises";

/**
 * Removes a socket file left at `path` by an earlier socket that was not unlinked (as AnyIO
 * does before binding). Anything that is not a socket stays, so the bind that follows fails with
 * `EADDRINUSE` instead of destroying someone's file; a missing path is fine. Not for abstract
 * names.
 *
 * @example
 * ```ts
 * await removeStaleSocket("/tmp/app.sock");
 * Bun.listen({ unix: "/tmp/app.sock", socket: handlers });
 * ```
 */
export async function removeStaleSocket(path: string | Uint8Array): Promise<void> {
  const target = typeof path === "string" ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  try {
    if ((await lstat(target)).isSocket()) await unlink(target);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
}
