/**
 * Unix datagram sockets on Node. Node has no native path for them (only blocking fs calls), so
 * they go through `@portio/libc-socket` with the koffi binder, which also takes any path bytes,
 * non-UTF-8 ones included (node:net takes strings only); the socket file is handled with node:fs,
 * which takes bytes too.
 *
 * @module
 */

import { unixDatagramSockets } from "@portio/libc-socket";
import { nodeSocketFiles } from "@portio/node-compat";
import { getKoffiBinder } from "./libc-binder.js";

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
export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getKoffiBinder, nodeSocketFiles);
