import { chmodSync } from "node:fs";
import type { UnixSocketFiles } from "@portio/libc-socket";
import { removeStaleSocket } from "./stale-socket.ts";
import { fsPath } from "./unix-path.ts";

/**
 * libc-socket's {@link UnixSocketFiles} over `node:fs`, for runtimes whose node:fs takes any path
 * bytes (Node, Bun): a stale socket file is removed before bind, the mode set right after.
 *
 * @example
 * ```ts
 * export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getKoffiBinder, nodeSocketFiles);
 * ```
 */
export const nodeSocketFiles: UnixSocketFiles = {
  prepare: (path) => removeStaleSocket(path),
  chmod: (path, mode) => chmodSync(fsPath(path), mode),
};
