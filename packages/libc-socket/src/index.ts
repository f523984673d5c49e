/**
 * `@portio/libc-socket`: BSD sockets over libc through a runtime's FFI, shared by portio's
 * backends wherever their runtime has no native path (Unix datagrams on Node; UDP and Unix
 * datagrams on Deno; socket state detection everywhere; fd passing). The runtime part is a thin
 * {@link LibcBinder} injected by the backend (koffi on Node, `bun:ffi` on Bun, `Deno.dlopen` on
 * Deno); everything else is written once here with web-standard APIs only.
 *
 * @example
 * ```ts
 * import { LibcSocket, inspectSocket } from "@portio/libc-socket";
 * const [a, b] = LibcSocket.socketpair(binder, "dgram");
 * await a.send(new TextEncoder().encode("ping"));
 * console.log(await b.recv()); // Uint8Array [112, 105, 110, 103]
 * console.log(inspectSocket(binder, a.fd).state); // "connected"
 * await Promise.all([a.close(), b.close()]);
 * ```
 * @module
 */

export type { LibcBinder } from "./binder.js";
export * from "./constants.js";
export * from "./errno.js";
export * from "./sockaddr.js";
export * from "./calls.js";
export * from "./reactor.js";
export * from "./socket.js";
export * from "./datagram-transport.js";
export * from "./inspect.js";
export * from "./ownership.js";
export * from "./connect-wait.js";
export * from "./adopt-datagram.js";
export * from "./unix-datagram.js";
export * from "./socketpair.js";
export * from "./stream-transport.js";
export * from "./adopt.js";
export * from "./connect-bound.js";
