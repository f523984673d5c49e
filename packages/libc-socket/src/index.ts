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

export type { FdWatcher, LibcBinder } from "./binder.ts";
export * from "./constants.ts";
export * from "./errno.ts";
export * from "./sockaddr.ts";
export * from "./calls.ts";
export * from "./reactor.ts";
export * from "./socket.ts";
export * from "./datagram-transport.ts";
export * from "./inspect.ts";
export * from "./ownership.ts";
export * from "./connect-wait.ts";
export * from "./adopt-datagram.ts";
export * from "./unix-datagram.ts";
export * from "./socketpair.ts";
export * from "./stream-transport.ts";
export * from "./adopt.ts";
export * from "./connect-bound.ts";
