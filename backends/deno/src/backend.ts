import type { AsyncBackend } from "@portio/core/backend";
import { defineBackend, getaddrinfo } from "@portio/node-shared";
import { wrapListenerSocket } from "./adopt-listener.ts";
import { nativeSocketFd } from "./adopt-native.ts";
import { wrapStreamSocket } from "./adopt-stream.ts";
import { getDenoBinder } from "./libc-binder.ts";
import { withPermission } from "./permissions.ts";
import { connectTcp, createTcpListener } from "./tcp.ts";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.ts";
import { connectUnix, createUnixListener } from "./unix.ts";
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket } from "./unix-datagram.ts";

/**
 * portio's backend for Deno: `Deno.connect` / `Deno.listen` for the TCP and Unix streams portio
 * creates, libc through `Deno.dlopen` for datagrams, socketpair and adoption, node:net for
 * streaming over adopted fds and node:tls for TLS (the shared members of `@portio/node-shared`'s
 * `defineBackend`). See permissions.ts for the flags each feature needs.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { denoBackend } from "@portio/deno";
 * setBackend(denoBackend);
 * ```
 */
export const denoBackend: AsyncBackend = defineBackend("deno", getDenoBinder, {
  nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)), // a global in Deno 2, npm context or not
  getaddrinfo: (host, options) => withPermission("resolving host names", "--allow-net", () => getaddrinfo(host, options)),
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  createUdpSocket,
  createConnectedUdpSocket,
  createUnixDatagramSocket,
  createConnectedUnixDatagramSocket,
  nativeSocketFd,
  wrapStreamSocket,
  wrapListenerSocket,
});
