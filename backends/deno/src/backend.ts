import type { AsyncBackend } from "@portio/core/backend";
import { wrapConnectedUdpSocket, wrapConnectedUnixDatagramSocket, wrapUdpSocket, wrapUnixDatagramSocket } from "./adopt-datagram.ts";
import { inspectSocket, waitForConnect } from "./adopt-inspect.ts";
import { wrapListenerSocket } from "./adopt-listener.ts";
import { nativeSocketFd } from "./adopt-native.ts";
import { wrapStreamSocket, wrapUnixStreamSocket } from "./adopt-stream.ts";
import { socketpairWith, wrapTls, getnameinfo } from "@portio/node-compat";
import { getaddrinfo } from "./dns.ts";
import { getDenoBinder } from "./libc-binder.ts";
import { connectTcp, createTcpListener } from "./tcp.ts";
import { createConnectedUdpSocket, createUdpSocket } from "./udp.ts";
import { connectUnix, createUnixListener } from "./unix.ts";
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket } from "./unix-datagram.ts";

/**
 * portio's backend for Deno: `Deno.connect` / `Deno.listen` for the TCP and Unix streams portio
 * creates, libc through `Deno.dlopen` for datagrams, socketpair and socket inspection, node:net
 * for streaming over adopted fds and node:tls for TLS (both through `@portio/node-compat`). See permissions.ts for the flags each feature needs.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { denoBackend } from "@portio/deno";
 * setBackend(denoBackend);
 * ```
 */
export const denoBackend: AsyncBackend = {
  name: "deno",
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
  // The pair is made through libc (Deno has no call for it); its stream ends stream with node:net.
  socketpair: socketpairWith(getDenoBinder),
  wrapTls: (stream, options, native) => wrapTls(stream, options, native, "deno"),
  nativeSocketFd,
  closeFd: (fd) => {
    getDenoBinder().close(fd);
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
