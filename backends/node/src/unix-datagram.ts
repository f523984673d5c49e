/**
 * Unix datagram sockets on Node. Node has no native path for them (only blocking fs calls), so
 * they go through `@portio/libc-socket` with the koffi binder, which also takes any path bytes,
 * non-UTF-8 ones included (node:net takes strings only); the socket file is handled with node:fs,
 * which takes bytes too.
 *
 * @module
 */

import { chmodSync } from "node:fs";
import { unixDatagramSockets, type UnixSocketFiles } from "@portio/libc-socket";
import { fsPath, removeStaleSocket } from "@portio/node-compat";
import { getKoffiBinder } from "./libc-binder.js";

const files: UnixSocketFiles = {
  prepare: (path) => removeStaleSocket(path),
  chmod: (path, mode) => chmodSync(fsPath(path), mode),
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
export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getKoffiBinder, files);
