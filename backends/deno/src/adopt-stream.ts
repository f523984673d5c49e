/**
 * Adopting connected stream sockets on Deno: `new net.Socket({ fd })` from node:net (TCP and Unix
 * alike), the one path Deno has for streaming over an existing fd; it needs no permission flag.
 *
 * @module
 */

import net from "node:net";
import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { libcStreamFromFd, restoringOnFailure, type LibcStreamTransport } from "@portio/libc-socket";

import { NetStreamTransport } from "@portio/node-compat";
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
    const socket = new net.Socket({ fd: source.fd, readable: true, writable: true, allowHalfOpen: true });
    socket.setNoDelay(true);
    return new NetStreamTransport(socket, {
      family: info.family,
      localAddress: info.localAddress,
      ...(info.remoteAddress === null ? {} : { remoteAddress: info.remoteAddress }),
      fd: source.fd,
    });
  });
}

/**
 * A connected Unix stream socket; its names come from the inspection (an unnamed end is `""`).
 *
 * @example
 * ```ts
 * const transport = await wrapUnixStreamSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapUnixStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<LibcStreamTransport> {
  const binder = getDenoBinder();
  // libc, not node:net: node:net's read-ahead would lose fds passed over the stream.
  return restoringOnFailure(binder, source.fd, () =>
    libcStreamFromFd(binder, source.fd, { localAddress: info.localAddress, remoteAddress: info.remoteAddress ?? "" }),
  );
}
