import type { SocketInfo } from "./socket-info.ts";
import { inspectArgument, type SocketLike } from "./validate.ts";

/**
 * What a socket is — family, type, state, addresses — without adopting it: the fd is neither
 * changed nor taken over. Accepts an fd or a runtime socket object, as the adoption functions do.
 *
 * @throws TypeError for an argument that is neither an fd nor a socket object
 * @throws InvalidSocketError `ENOTSOCK` for an fd that is not a socket, `EBADF` for one that is not open
 * @example
 * ```ts
 * const info = await inspectSocket(3);
 * console.log(info.family, info.type, info.state); // "inet" "stream" "listening"
 * ```
 */
export async function inspectSocket(socket: SocketLike): Promise<SocketInfo> {
  return (await inspectArgument(socket)).info;
}
