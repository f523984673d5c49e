/**
 * `@portio/node-shared`: the parts of portio's backends that are written over `node:net`,
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
 * import { NetStreamTransport } from "@portio/node-shared";
 * const transport = new NetStreamTransport(new net.Socket({ fd, allowHalfOpen: true }), { family: "unix", fd });
 * ```
 * @module
 */

export { NetStreamTransport, type NetStreamTransportOptions, type ReadThrottle } from "./stream-transport.ts";
export {
  DirectReads,
  directReadingSocket,
  type DirectReadsFunctions,
  type DirectReadsOption,
  type DirectReadsReceiver,
} from "./direct-reads.ts";
export { wrapTls } from "./tls.ts";
export { NodeTLSTransport, type NodeTlsTransportOptions } from "./tls-transport.ts";
export { PortioDuplex } from "./tls-duplex.ts";
export { toNodeDuplex, type NodeDuplexOptions } from "./node-duplex.ts";
export { getaddrinfo, getnameinfo } from "./dns.ts";
export { defineBackend, type RuntimeParts, type SharedMember } from "./backend.ts";
export {
  cipherName,
  handshakeError,
  loadNodeTls,
  negotiatedAlpn,
  nodeTlsOptions,
  peerCertificate,
  type NodeTls,
} from "./tls-options.ts";
export { socketpairWith, type Socketpair } from "./socketpair.ts";
export { loadLibcSocket, type LibcSocketModule } from "./libc-socket.ts";
export { removeStaleSocket } from "./stale-socket.ts";
export { nodeSocketFiles } from "./socket-files.ts";
export { decodeUnixPath, fsPath, unixPathToString } from "./unix-path.ts";
export { closeServer, fdOf } from "./node-internals.ts";
export {
  brokenPipeError,
  codedError,
  errorCode,
  isTransientAcceptError,
  isTransientDatagramError,
  socketClosedError,
  type CodedError,
} from "./errors.ts";
export { rejectHandled, settled } from "./waiter.ts";
export { nodeUnixSocketFiles } from "./unix-socket-file.ts";
export { applyNetTcpOptions, netTcpOptions } from "./tcp-options.ts";
