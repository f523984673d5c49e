/**
 * Which of Node's own socket objects adoption takes, and their fds. The object itself is then
 * wrapped (never its fd opened a second time), so Node's state for it stays consistent.
 *
 * @module
 */

import dgram from "node:dgram";
import net from "node:net";
import { dgramFdOf } from "./datagram-transport.ts";
import { fdOf } from "@portio/node-shared";

/**
 * The fd of a `net.Socket`, `net.Server` or `dgram.Socket`; `null` when such an object has no fd
 * (closed, or a dgram socket not bound yet); `undefined` for anything else.
 *
 * @throws TypeError for a `tls.TLSSocket`: its fd carries ciphertext, so adopting it would skip TLS
 * @example
 * ```ts
 * nativeSocketFd(net.connect(80, "example.com")); // e.g. 21 once libuv made the socket
 * nativeSocketFd({}); // undefined
 * ```
 */
export function nativeSocketFd(value: object): number | null | undefined {
  // A TLSSocket is a net.Socket whose `encrypted` is always true (Node's documented test), told
  // apart without importing node:tls, which portio loads only for TLS (see loadNodeTls).
  if (value instanceof net.Socket && (value as { encrypted?: unknown }).encrypted === true) {
    throw new TypeError(
      "expected an int or socket, got TLSSocket instead: its fd carries TLS records; adopt the plain socket and use portio's TLS",
    );
  }
  if (value instanceof net.Socket || value instanceof net.Server) return fdOf(value) ?? null;
  if (value instanceof dgram.Socket) return dgramFdOf(value) ?? null;
  return undefined;
}
