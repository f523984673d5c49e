import type { CallOptions } from "../abc/resource.ts";
import { inspectSocket } from "../adoption/inspect-socket.ts";
import { wrapClientSocket, type ClientSocket } from "../adoption/wrap-client-socket.ts";
import { wrapServerSocket, type ServerSocket } from "../adoption/wrap-server-socket.ts";
import { peekBackend } from "../backend/registry.ts";
import { BrokenResourceError } from "../errors.ts";
import type { UNIXSocketStream } from "./unix-socket-stream.ts";

/**
 * The bytes that travel with a handed-over socket's fd. Fixed, so that a receiver reads exactly
 * this message and nothing after it, and so that peers in other languages can speak the protocol
 * (Python: `socket.send_fds(channel, [b"portio-socket"], [sock.fileno()])`).
 */
export const SOCKET_HANDOFF_MESSAGE: Uint8Array = new TextEncoder().encode("portio-socket");

/**
 * Hands a socket to the process at the other end of `channel` (a Unix stream): its fd travels
 * with {@link SOCKET_HANDOFF_MESSAGE}, and {@link receiveSocket} rebuilds it there as the right
 * typed object. `socket` is a portio listener, stream or datagram socket, a runtime socket object
 * whose fd the backend knows, or an fd.
 *
 * The socket stays open here too: both processes now hold it (a listener then accepts in both, as
 * with N workers on one listener). Close it here once the other side has taken over — for a
 * restart, after the new process said it is serving.
 *
 * @example
 * ```ts
 * const channel = await connectUnix("/run/app/handoff.sock");
 * await sendSocket(channel, listener); // the new process serves it from now on
 * await listener.aclose();             // this process stops accepting
 * ```
 */
export async function sendSocket(channel: UNIXSocketStream, socket: number | object, options?: CallOptions): Promise<void> {
  await channel.sendFds(SOCKET_HANDOFF_MESSAGE, [socket], options);
}

/**
 * Receives a socket that {@link sendSocket} (or any peer following its message format) handed
 * over on `channel`, and adopts it with the state detection of adoption: a listening socket or
 * an unconnected datagram socket comes back from `wrapServerSocket` (`SocketListener`,
 * `UNIXSocketListener`, `UDPSocket`, `UNIXDatagramSocket`), a connected one from
 * `wrapClientSocket` (`SocketStream`, `UNIXSocketStream`, `ConnectedUDPSocket`,
 * `ConnectedUNIXDatagramSocket`). The new object owns the fd.
 *
 * @throws BrokenResourceError if the message is not a handoff message or carried no fd (any fd
 *   that came is closed)
 * @throws InvalidSocketError if the fd cannot be adopted (it is then closed: nobody else has it)
 * @throws EndOfStream if the channel closed first
 * @example
 * ```ts
 * const listener = await receiveSocket(channel);
 * if (listener instanceof SocketListener) await listener.serve(handler);
 * ```
 */
export async function receiveSocket(channel: UNIXSocketStream, options?: CallOptions): Promise<ClientSocket | ServerSocket> {
  const [message, fds] = await channel.receiveFds(SOCKET_HANDOFF_MESSAGE.length, 1, options);
  const fd = fds[0];
  if (fd === undefined || !sameBytes(message, SOCKET_HANDOFF_MESSAGE)) {
    for (const received of fds) closeReceived(received);
    throw new BrokenResourceError(
      fd === undefined
        ? "the handoff message carried no file descriptor"
        : `expected a socket handoff message ("portio-socket"), got ${JSON.stringify(new TextDecoder().decode(message))}`,
    );
  }
  try {
    const info = await inspectSocket(fd);
    const server = info.listening || (info.type === "dgram" && info.state !== "connected") || info.state === "bound";
    return server ? await wrapServerSocket(fd) : await wrapClientSocket(fd);
  } catch (error) {
    // Adoption leaves a refused fd open; this one is ours alone, so it must not stay behind.
    closeReceived(fd);
    throw error;
  }
}

function closeReceived(fd: number): void {
  peekBackend()?.closeFd?.(fd);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
