import { defineBackend } from "@portio/node-shared";
import { wrapConnectedUdpSocket, wrapUdpSocket } from "./adopt-datagram.ts";
import { wrapListenerSocket } from "./adopt-listener.ts";
import { nativeSocketFd } from "./adopt-native.ts";
import { wrapStreamSocket } from "./adopt-stream.ts";
import { getBunFfiBinder } from "./libc-binder.ts";
import { connectTcp, createTcpListener } from "./tcp.ts";
import { wrapTls } from "./tls.ts";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.ts";
import { connectUnix, createUnixListener } from "./unix.ts";

/**
 * portio's backend for Bun, built on `Bun.connect`, `Bun.listen`, `Bun.udpSocket` and, where
 * Bun has no native path, libc through `bun:ffi` (the shared members of `@portio/node-shared`'s
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
  nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
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
