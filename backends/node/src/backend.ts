import type { AsyncBackend } from "@portio/core/backend";
import { wrapConnectedUdpSocket, wrapConnectedUnixDatagramSocket, wrapUdpSocket, wrapUnixDatagramSocket } from "./adopt-datagram.js";
import { inspectSocket, waitForConnect } from "./adopt-inspect.js";
import { wrapListenerSocket } from "./adopt-listener.js";
import { nativeSocketFd } from "./adopt-native.js";
import { wrapStreamSocket, wrapUnixStreamSocket } from "./adopt-stream.js";
import { socketpairWith, wrapTls, getnameinfo } from "@portio/node-compat";
import { getaddrinfo } from "./dns.js";
import { getKoffiBinder } from "./libc-binder.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.js";
import { connectUnix, createUnixListener } from "./unix.js";
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket } from "./unix-datagram.js";

/**
 * portio's backend for Node.js, built on `node:net`, `node:dgram` and `node:dns`; `node:tls` and
 * `socketpair()` come from `@portio/node-compat`, libc (Unix datagrams, adoption) through koffi.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { nodeBackend } from "@portio/node";
 * setBackend(nodeBackend);
 * ```
 */
export const nodeBackend: AsyncBackend = {
  name: "node",
  getaddrinfo,
  getnameinfo,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  createUdpSocket,
  createConnectedUdpSocket,
  createUnixDatagramSocket,
  createConnectedUnixDatagramSocket,
  // The pair is made through libc; its stream ends stream with node:net.
  socketpair: socketpairWith(getKoffiBinder),
  wrapTls: (stream, options, native) => wrapTls(stream, options, native, "node"),
  nativeSocketFd,
  closeFd: (fd) => {
    getKoffiBinder().close(fd);
  },
  inspectSocket,
  waitForConnect,
  wrapStreamSocket,
  wrapUnixStreamSocket,
  wrapListenerSocket,
  wrapUdpSocket,
  wrapConnectedUdpSocket,
  wrapUnixDatagramSocket,
  wrapConnectedUnixDatagramSocket,
};
