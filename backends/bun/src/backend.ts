import { getnameinfo } from "@portio/node-compat";
import type { AsyncBackend } from "@portio/core/backend";
import { getBunFfiBinder } from "./libc-binder.js";

import { wrapConnectedUdpSocket, wrapConnectedUnixDatagramSocket, wrapUdpSocket, wrapUnixDatagramSocket } from "./adopt-datagram.js";
import { inspectSocket, waitForConnect } from "./adopt-inspect.js";
import { wrapListenerSocket } from "./adopt-listener.js";
import { nativeSocketFd } from "./adopt-native.js";
import { wrapStreamSocket, wrapUnixStreamSocket } from "./adopt-stream.js";
import { wrapTls } from "./tls.js";
import { getaddrinfo } from "./dns.js";
import { socketpair } from "./socketpair.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.js";
import { connectUnix, createUnixListener } from "./unix.js";
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket } from "./unix-datagram.js";

/**
 * portio's backend for Bun, built on `Bun.connect`, `Bun.listen`, `Bun.udpSocket` and, where
 * Bun has no native path, libc through `bun:ffi`; TLS is Bun's own on the socket where it can (see tls.ts).
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { bunBackend } from "@portio/bun";
 * setBackend(bunBackend);
 * ```
 */
export const bunBackend: AsyncBackend = {
  name: "bun",
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
  socketpair,
  // Bun's own TLS natively on the socket where it can, node:tls over the portio stream otherwise (tls.ts).
  wrapTls,
  nativeSocketFd,
  closeFd: (fd) => {
    getBunFfiBinder().close(fd);
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
