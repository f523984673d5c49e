/**
 * Adopting connected TCP sockets on Deno: `new net.Socket({ fd })` from node:net, the one path
 * Deno has for streaming over an existing fd; it needs no permission flag. Unix streams are the shared libc adoption's (`defineBackend`): node:net's read-ahead would lose fds.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { restoringOnFailure } from "@portio/libc-socket";

import { directReadingSocket, NetStreamTransport } from "@portio/node-shared";
import { getDenoBinder } from "./libc-binder.ts";

/**
 * A connected TCP socket, with TCP_NODELAY set as on every portio TCP stream.
 *
 * @example
 * ```ts
 * const transport = await wrapStreamSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<NetStreamTransport> {
  return restoringOnFailure(getDenoBinder(), source.fd, () => {
    // Deno's node:net (2.9) takes net's `onread` option as Node's does: reads go straight from the
    // handle to the transport, without the Readable machinery, as on the Node backend.
    const socket = directReadingSocket(source.fd);
    socket.setNoDelay(true);
    return new NetStreamTransport(socket, {
      directReads: true,
      family: info.family,
      localAddress: info.localAddress,
      ...(info.remoteAddress === null ? {} : { remoteAddress: info.remoteAddress }),
      fd: source.fd,
    });
  });
}
