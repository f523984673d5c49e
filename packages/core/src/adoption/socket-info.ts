import type { AddressFamily, SocketAddress } from "../addresses.ts";

/** A socket's type as portio names it: `SOCK_STREAM` is `"stream"`, `SOCK_DGRAM` is `"dgram"`. */
export type SocketType = "stream" | "dgram";

/**
 * Where a socket is in its life:
 * - `"listening"`: `listen()` was called (SO_ACCEPTCONN);
 * - `"connected"`: it has a peer (getpeername succeeds);
 * - `"connecting"`: a TCP connect is still in progress (state SYN_SENT);
 * - `"bound"`: it has a local name (a port other than 0, or a Unix path / abstract name);
 * - `"unbound"`: none of the above.
 */
export type SocketState = "unbound" | "bound" | "listening" | "connecting" | "connected";

/**
 * What a socket is and what state it is in, as {@link inspectSocket} reports it. Adoption
 * (`fromSocket`, `wrapClientSocket`, `wrapServerSocket`, `listenFds`) decides from this alone.
 *
 * @example
 * ```ts
 * const info = await inspectSocket(3);
 * if (info.type === "stream" && info.state === "listening") console.log("a listener on", info.localAddress);
 * ```
 */
export interface SocketInfo {
  /** The file descriptor that was inspected. */
  fd: number;
  /** Address family: `"inet"`, `"inet6"` or `"unix"`. */
  family: AddressFamily;
  /** Socket type: `"stream"` or `"dgram"`. */
  type: SocketType;
  /** Where the socket is in its life: unbound, bound, listening, connecting or connected. */
  state: SocketState;
  /** Same as `state === "listening"`. */
  listening: boolean;
  /** Same as `state === "connected"`. */
  connected: boolean;
  /** getsockname's answer: `["0.0.0.0", 0]` / `["::", 0]` / `""` while unbound. */
  localAddress: SocketAddress;
  /** getpeername's answer, `null` without a peer. */
  remoteAddress: SocketAddress | null;
}

/** AnyIO's (and the C headers') names for the families, as the error messages use them. */
export function familyConstantName(family: AddressFamily): string {
  return family === "inet" ? "AF_INET" : family === "inet6" ? "AF_INET6" : "AF_UNIX";
}

/** `SOCK_STREAM` / `SOCK_DGRAM`, as the error messages use them. */
export function typeConstantName(type: SocketType): string {
  return type === "stream" ? "SOCK_STREAM" : "SOCK_DGRAM";
}
