import type { AsyncBackend } from "@portio/core";
import { getaddrinfo } from "./dns.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.js";
import { socketpair } from "./socketpair.js";
import { connectUnix, createUnixListener } from "./unix.js";
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket } from "./unix-datagram.js";

/**
 * portio's backend for Node.js, built on `node:net`, `node:dgram` and `node:dns`.
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
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  createUdpSocket,
  createConnectedUdpSocket,
  createUnixDatagramSocket,
  createConnectedUnixDatagramSocket,
  socketpair,
};
