/**
 * Unix datagram sockets on Bun. Bun has no datagram path for them (`Bun.connect({ fd })` on one
 * gives stream semantics: no sender addresses, no message boundaries on receive), so they go
 * through `@portio/libc-socket` with the bun:ffi binder, which also takes any path bytes; the
 * socket file is handled with Bun's node:fs, which takes bytes too.
 *
 * @module
 */

import { unixDatagramSockets } from "@portio/libc-socket";
import { nodeSocketFiles } from "@portio/node-compat";
import { getBunFfiBinder } from "./libc-binder.js";

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
export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getBunFfiBinder, nodeSocketFiles);
