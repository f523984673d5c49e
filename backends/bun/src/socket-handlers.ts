/**
 * The socket handlers every Bun stream socket of this backend uses. Bun calls handlers per
 * socket with the socket as argument, so one shared object forwards each event to the transport
 * kept in `socket.data` (set by the {@link BunStreamTransport} constructor); no closure per
 * connection.
 * @module
 */

import type { Socket, SocketHandler } from "bun";
import type { BunStreamTransport } from "./stream-transport.ts";
import type { BunTLSTransport } from "./tls-transport.ts";

type Sock = Socket<BunStreamTransport | undefined>;

/**
 * Handlers for everything after `open`: `data`, `drain`, `end`, `close`, `error`. `binaryType`
 * "uint8array" skips the Buffer wrapper Bun would otherwise make for every chunk.
 */
export const streamEventHandlers = {
  binaryType: "uint8array",
  data(socket: Sock, data: Uint8Array) {
    socket.data?.onData(data);
  },
  drain(socket: Sock) {
    socket.data?.onDrain();
  },
  end(socket: Sock) {
    socket.data?.onEnd();
  },
  close(socket: Sock, error?: Error) {
    socket.data?.onClose(error);
  },
  error(socket: Sock, error: Error) {
    socket.data?.onError(error);
  },
} satisfies SocketHandler<BunStreamTransport | undefined, "uint8array">;

/**
 * The handlers plus an `open` that builds the transport, for `Bun.connect` and `Bun.listen`.
 * `open` runs before Bun delivers any data, so no byte arrives without a transport to take it.
 *
 * @example
 * ```ts
 * const socket = await Bun.connect({
 *   hostname: "127.0.0.1", port: 8080, allowHalfOpen: true,
 *   socket: streamHandlers((s) => new BunStreamTransport(s, { family: "inet" })),
 * });
 * ```
 */
export function streamHandlers(
  open: (socket: Socket<BunStreamTransport>) => void,
): SocketHandler<BunStreamTransport | undefined> {
  // Typed as Bun's default ("buffer") handler, which every Bun.connect / Bun.listen overload
  // takes: a Buffer is a Uint8Array, and binaryType makes Bun pass plain Uint8Arrays anyway.
  return { ...streamEventHandlers, open: open as (socket: Sock) => void } as unknown as SocketHandler<
    BunStreamTransport | undefined
  >;
}

/**
 * The handlers of a socket upgraded with `upgradeTLS`: the stream handlers plus `handshake`,
 * forwarded to the {@link BunTLSTransport} in `socket.data`.
 */
export const tlsEventHandlers = {
  ...streamEventHandlers,
  handshake(socket: Sock, success: boolean, error: Error | null) {
    (socket.data as BunTLSTransport | undefined)?.onHandshake(success, error);
  },
} as unknown as SocketHandler<BunStreamTransport | undefined>;

/**
 * What a client socket handed over to a native TLS session (`upgradeTLS`) keeps as its own
 * handlers: no `data`. Bun goes on calling the raw socket's handlers with every ciphertext chunk
 * it reads, which costs a buffer and a JavaScript call per read that nothing uses (measured on
 * 64 MiB downloads: 0.14 ms of client CPU per MiB, a fifth of the whole). Only a client socket
 * can drop them: an accepted socket's handlers are its listener's (bun-quirks.test.ts). Bun
 * wants `data` or `drain`: `drain` it is.
 *
 * @example
 * ```ts
 * clientSocket.reload({ socket: handedOverHandlers });
 * ```
 */
export const handedOverHandlers = {
  drain() {},
  error() {},
} as unknown as SocketHandler<BunStreamTransport | undefined>;
