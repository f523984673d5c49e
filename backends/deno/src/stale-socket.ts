import { removeStaleSocket as removeWithNodeFs } from "@portio/node-shared";
import { withPermission } from "./permissions.ts";

/**
 * Removes a socket file left at `path` by an earlier socket (`@portio/node-shared`'s
 * `removeStaleSocket`, over node:fs); a missing permission fails with a `Deno.errors.NotCapable`
 * that names the flag. Needs `--allow-read` and `--allow-write` for the path.
 *
 * @example
 * ```ts
 * await removeStaleSocket("/tmp/app.sock");
 * Deno.listen({ transport: "unix", path: "/tmp/app.sock" });
 * ```
 */
export function removeStaleSocket(path: string): Promise<void> {
  return withPermission("Unix socket paths", "--allow-read", () => removeWithNodeFs(path));
}
