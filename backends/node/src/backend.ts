import { defineBackend } from "@portio/node-compat";
import { waitForConnect } from "./adopt-inspect.js";
import { wrapConnectedUdpSocket, wrapUdpSocket } from "./adopt-datagram.js";
import { wrapListenerSocket } from "./adopt-listener.js";
import { nativeSocketFd } from "./adopt-native.js";
import { wrapStreamSocket, wrapUnixStreamSocket } from "./adopt-stream.js";
import { getKoffiBinder } from "./libc-binder.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.js";
import { connectUnix, createUnixListener } from "./unix.js";

/**
 * portio's backend for Node.js, built on `node:net` and `node:dgram`; name resolution, TLS,
 * `socketpair()`, Unix datagrams and the rest of adoption are the shared ones of
 * `@portio/node-compat`'s `defineBackend`, libc through koffi. Node's own `net.Socket`,
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
