import { defineBackend } from "@portio/node-compat";
import { wrapConnectedUdpSocket, wrapUdpSocket } from "./adopt-datagram.js";
import { wrapListenerSocket } from "./adopt-listener.js";
import { nativeSocketFd } from "./adopt-native.js";
import { wrapStreamSocket } from "./adopt-stream.js";
import { getBunFfiBinder } from "./libc-binder.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { wrapTls } from "./tls.js";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.js";
import { connectUnix, createUnixListener } from "./unix.js";

/**
 * portio's backend for Bun, built on `Bun.connect`, `Bun.listen`, `Bun.udpSocket` and, where
 * Bun has no native path, libc through `bun:ffi` (the shared members of `@portio/node-compat`'s
 * `defineBackend`); TLS is Bun's own on the socket where it can (see tls.ts).
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { bunBackend } from "@portio/bun";
 * setBackend(bunBackend);
 * ```
 */
export const bunBackend = defineBackend("bun", getBunFfiBinder, {
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  createUdpSocket,
  createConnectedUdpSocket,
  // Bun's own TLS natively on the socket where it can, node:tls over the portio stream otherwise (tls.ts).
  wrapTls,
  nativeSocketFd,
  wrapStreamSocket,
  wrapListenerSocket,
  wrapUdpSocket,
  wrapConnectedUdpSocket,
});
