/**
 * Adopting connected stream sockets on Node: `new net.Socket({ fd })` (TCP and Unix alike, the
 * fastest path Node has) behind the same {@link NetStreamTransport} that natively created
 * connections use, or Node's own `net.Socket` object wrapped as it is.
 *
 * @module
 */

import net from "node:net";
import type { SocketInfo } from "@portio/core";
import type { AdoptionSource, StreamTransport } from "@portio/core/backend";

import { directReadingSocket, loadLibcSocket, NetStreamTransport } from "@portio/node-shared";
import { getKoffiBinder } from "./libc-binder.ts";

/**
 * A connected TCP socket, with TCP_NODELAY set as on every portio TCP stream.
 *
 * @example
 * ```ts
 * const transport = await wrapStreamSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<NetStreamTransport> {
  const { restoringOnFailure } = await loadLibcSocket();
  return restoringOnFailure(getKoffiBinder(), source.fd, () => {
    if (source.native instanceof net.Socket) {
      const socket = adoptedNetSocket(source.native);
      socket.setNoDelay(true);
      return new NetStreamTransport(socket, { family: info.family });
    }
    const socket = directReadingSocket(source.fd);
    socket.setNoDelay(true);
    return new NetStreamTransport(socket, { family: info.family, directReads: true });
  });
}

/**
 * A connected Unix stream socket. Node cannot ask a Unix socket for its names, so they come from
 * the inspection (an unnamed end is `""`).
 *
 * @example
 * ```ts
 * const [a] = socketpairFds();
 * const transport = await wrapUnixStreamSocket({ fd: a }, await inspectSocket(a));
 * ```
 */
export async function wrapUnixStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<StreamTransport> {
  // An fd goes to libc, as every Unix stream portio makes (fd passing: see unix-stream.ts).
  const { libcAdoption, restoringOnFailure } = await loadLibcSocket();
  if (source.native === undefined) return libcAdoption("Node", getKoffiBinder).wrapUnixStreamSocket(source, info);
  return restoringOnFailure(getKoffiBinder(), source.fd, () => {
    const socket =
      source.native instanceof net.Socket ? adoptedNetSocket(source.native) : new net.Socket({ fd: source.fd, ...BOTH_WAYS });
    return new NetStreamTransport(socket, {
      family: "unix",
      localAddress: info.localAddress,
      remoteAddress: info.remoteAddress ?? "",
      fdPassingUnsupported: NATIVE_NO_FDS,
    });
  });
}

/** Why an adopted `net.Socket` cannot pass fds. */
const NATIVE_NO_FDS =
  "a stream adopted from a net.Socket cannot pass file descriptors: node:net may already have read past " +
  "fds (the kernel closes fds that a plain read meets); adopt the socket's fd instead (a number), before Node reads from it";

/** A socket made from an fd: both directions, and half-closed only when asked (sendEof). */
const BOTH_WAYS = { readable: true, writable: true, allowHalfOpen: true } as const;

function adoptedNetSocket(socket: net.Socket): net.Socket {
  // portio streams half-close only when asked (sendEof); Node's default would end our side as
  // soon as the peer's FIN arrives. The property is read when that happens, so setting it works.
  socket.allowHalfOpen = true;
  return socket;
}
