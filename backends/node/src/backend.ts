import type { AsyncBackend } from "@portio/core";
import { getaddrinfo } from "./dns.js";
import { connectTcp, createTcpListener } from "./tcp.js";
import { connectUnix, createUnixListener } from "./unix.js";

/**
 * portio's backend for Node.js, built on `node:net` and `node:dns`.
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
};
