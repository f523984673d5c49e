import { defineBackend } from "@portio/node-shared";
import { waitForConnect } from "./adopt-inspect.ts";
import { wrapConnectedUdpSocket, wrapUdpSocket } from "./adopt-datagram.ts";
import { wrapListenerSocket } from "./adopt-listener.ts";
import { nativeSocketFd } from "./adopt-native.ts";
import { wrapStreamSocket, wrapUnixStreamSocket } from "./adopt-stream.ts";
import { getKoffiBinder } from "./libc-binder.ts";
import { connectTcp, createTcpListener } from "./tcp.ts";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.ts";
import { connectUnix, createUnixListener } from "./unix.ts";

/**
 * portio's backend for Node.js, built on `node:net` and `node:dgram`; name resolution, TLS,
 * `socketpair()`, Unix datagrams and the rest of adoption are the shared ones of
 * `@portio/node-shared`'s `defineBackend`, libc through koffi. Node's own `net.Socket`,
 * `net.Server` and `dgram.Socket` objects are adopted as they are.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { nodeBackend } from "@portio/node";
 * setBackend(nodeBackend);
 * ```
 */
export const nodeBackend = defineBackend("node", getKoffiBinder, {
  nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  createUdpSocket,
  createConnectedUdpSocket,
  nativeSocketFd,
  waitForConnect,
  wrapStreamSocket,
  wrapUnixStreamSocket,
  wrapListenerSocket,
  wrapUdpSocket,
  wrapConnectedUdpSocket,
});
