/**
 * State detection of an arbitrary fd: what adoption (`wrapClientSocket`, `wrapServerSocket`,
 * `listenFds`) needs to pick a class or refuse with a precise reason. Read-only: the fd, its
 * flags and any pending SO_ERROR are left as they were.
 *
 * @module
 */

import type { SocketAddress, SocketInfo } from "@portio/core";
import type { LibcBinder } from "./binder.ts";
import { getpeername, getsockname, getsockoptBytes, getsockoptInt } from "./calls.ts";
import { constantsFor } from "./constants.ts";
import { SystemError, systemError } from "./errno.ts";
import type { DecodedSockaddr } from "./sockaddr.ts";
import type { SocketFamily, SocketKind } from "./socket.ts";

/** What a socket is and what state it is in: core's shape, re-exported for this package's users. */
export type { SocketInfo };

/**
 * Inspects `fd`. Throws a {@link SystemError} with code `ENOTSOCK` for an fd that is not a socket,
 * `EBADF` for one that is not open, `EAFNOSUPPORT` for a family other than inet/inet6/unix, and
 * `ESOCKTNOSUPPORT` for a type other than stream/dgram (e.g. SOCK_SEQPACKET).
 *
 * "connecting" is read from the TCP state (Linux TCP_INFO, macOS TCP_CONNECTION_INFO:
 * SYN_SENT), never from SO_ERROR, which reading would clear.
 *
 * @example
 * ```ts
 * const info = inspectSocket(binder, 3);
 * if (info.state === "listening") console.log("a listener on", info.localAddress);
 * ```
 */
export function inspectSocket(binder: LibcBinder, fd: number): SocketInfo {
  if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`fd must be a non-negative integer, got ${String(fd)}`);
  const C = constantsFor(binder.platform);
  // SO_TYPE first: it is the call that tells ENOTSOCK and EBADF apart from everything else.
  const typeNumber = getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_TYPE);
  let family: SocketFamily | undefined;
  let local: DecodedSockaddr | undefined;
  if (C.SO_DOMAIN !== undefined) {
    family = familyName(getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_DOMAIN));
  } else {
    // No SO_DOMAIN (macOS): getsockname's sa_family, which it reports even for unbound sockets.
    try {
      local = getsockname(binder, fd);
      family = local.family;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error; // a family the decoder does not know
    }
  }
  if (family === undefined) throw systemError(binder.platform, C.errno.EAFNOSUPPORT!, "getsockopt");
  local ??= getsockname(binder, fd);
  const type: SocketKind | undefined =
    typeNumber === C.SOCK_STREAM ? "stream" : typeNumber === C.SOCK_DGRAM ? "dgram" : undefined;
  if (type === undefined) throw systemError(binder.platform, C.errno.ESOCKTNOSUPPORT!, "getsockopt");

  const listening = getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_ACCEPTCONN) !== 0;
  let remoteAddress: SocketAddress | null = null;
  try {
    remoteAddress = getpeername(binder, fd).address;
  } catch (error) {
    if (!(error instanceof SystemError && error.code === "ENOTCONN")) throw error;
  }
  const connected = remoteAddress !== null;

  let state: SocketInfo["state"];
  if (listening) state = "listening";
  else if (connected) state = "connected";
  else if (type === "stream" && family !== "unix" && tcpState(binder, fd) === C.TCP_STATE_SYN_SENT) state = "connecting";
  else state = isBound(local.address) ? "bound" : "unbound";

  return { fd, family, type, state, listening, connected, localAddress: local.address, remoteAddress };

  function familyName(value: number): SocketFamily | undefined {
    return value === C.AF_INET ? "inet" : value === C.AF_INET6 ? "inet6" : value === C.AF_UNIX ? "unix" : undefined;
  }
}

function tcpState(binder: LibcBinder, fd: number): number {
  const C = constantsFor(binder.platform);
  return getsockoptBytes(binder, fd, C.IPPROTO_TCP, C.TCP_INFO, C.TCP_INFO_SIZE)[0] ?? -1;
}

function isBound(address: SocketAddress): boolean {
  if (typeof address === "string" || address instanceof Uint8Array) return address.length > 0;
  return address[1] !== 0;
}
