/**
 * Unix datagram sockets on Deno. Deno has none of its own (outside `--unstable-net`), so they go
 * through `@portio/libc-socket` with the `Deno.dlopen` binder, which also takes path bytes that
 * are not UTF-8. Needs `--allow-ffi`, plus `--allow-read` / `--allow-write` where a socket file
 * is replaced or its mode set.
 *
 * @module
 */

import { UnsupportedError } from "@portio/core";
import { unixDatagramSockets, type UnixSocketFiles } from "@portio/libc-socket";
import { decodeUnixPath } from "@portio/node-shared";
import { getDenoBinder } from "./libc-binder.ts";
import { withPermissionSync } from "./permissions.ts";
import { removeStaleSocket } from "./stale-socket.ts";

// Deno's file APIs take strings: a non-UTF-8 name can be bound (libc takes bytes), but a stale
// file at it cannot be checked or chmod-ed.
const files: UnixSocketFiles = {
  async prepare(path, mode) {
    const fsPath = decodeUnixPath(path);
    if (fsPath !== undefined) await removeStaleSocket(fsPath);
    else if (mode !== undefined) {
      throw new UnsupportedError(
        "the Deno backend cannot set the mode of a Unix socket file whose path is not valid UTF-8 (Deno.chmod takes strings)",
      );
    }
  },
  chmod(path, mode) {
    const fsPath = decodeUnixPath(path);
    if (fsPath === undefined) return; // refused in prepare() already
    withPermissionSync("setting a Unix socket's mode", "--allow-write", () => Deno.chmodSync(fsPath, mode));
  },
};

/**
 * `createUnixDatagramSocket(options)`: an unconnected Unix datagram socket, bound to `localPath`
 * when given (a socket file left there is replaced), its file mode set to `mode` when given.
 * `createConnectedUnixDatagramSocket(remotePath, options)`: one connected to `remotePath`.
 *
 * @example
 * ```ts
 * const transport = await createConnectedUnixDatagramSocket("/run/systemd/notify", {});
 * await transport.send(new TextEncoder().encode("READY=1"));
 * ```
 */
export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getDenoBinder, files);
