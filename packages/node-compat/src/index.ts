/**
 * `@portio/node-compat`: the parts of portio's backends that are written over `node:net`,
 * `node:tls` and `node:fs`, which Node, Deno and Bun all provide: the `net.Socket` stream
 * transport, TLS over any portio stream (`wrapTls`), `socketpair()` with node:net stream ends,
 * stale socket file removal and the socket file operations libc-socket's Unix datagrams take, Unix
 * path decoding, and the small error and waiter helpers the
 * backends' transports share. Where runtimes differ, the difference is a parameter (the fd that
 * Deno's node:net does not report, the libc binder, the backend's name in errors). Compare
 * Effect's platform-node-shared; a backend never imports another backend.
 *
 * @example
 * ```ts
 * import net from "node:net";
 * import { NetStreamTransport } from "@portio/node-compat";
 * const transport = new NetStreamTransport(new net.Socket({ fd, allowHalfOpen: true }), { family: "unix", fd });
 * ```
 * @module
 */

export { NetStreamTransport, type NetStreamTransportOptions } from "./stream-transport.js";
export { wrapTls } from "./tls.js";
export { NodeTLSTransport, type NodeTlsTransportOptions } from "./tls-transport.js";
export { PortioDuplex } from "./tls-duplex.js";
export { toNodeDuplex, type NodeDuplexOptions } from "./node-duplex.js";
export { getaddrinfo, getnameinfo } from "./dns.js";
export { defineBackend, type RuntimeParts, type SharedMember } from "./backend.js";
export { cipherName, handshakeError, negotiatedAlpn, nodeTlsOptions, peerCertificate } from "./tls-options.js";
export { socketpairWith, type Socketpair } from "./socketpair.js";
export { removeStaleSocket } from "./stale-socket.js";
export { nodeSocketFiles } from "./socket-files.js";
export { decodeUnixPath, fsPath, unixPathToString } from "./unix-path.js";
export { closeServer, fdOf } from "./node-internals.js";
export {
  brokenPipeError,
  codedError,
  errorCode,
  isTransientAcceptError,
  socketClosedError,
  type CodedError,
} from "./errors.js";
export { rejectHandled, settled } from "./waiter.js";
export {
  bindUnixSocketFile,
  unlinkUnixSocketFile,
  type UnixSocketBinding,
  type UnixSocketFileIdentity,
} from "./unix-socket-file.js";
export { whenConnected } from "./connect.js";
export { applyNetTcpOptions, netTcpOptions } from "./tcp-options.js";
