/**
 * Node's Unix streams go through libc (koffi), not node:net: node:net reads ahead with plain
 * `read(2)`, and the kernel closes any fds (SCM_RIGHTS) such a read meets, so `receiveFds` could
 * never see them. See `LibcStreamTransport` in `@portio/libc-socket`.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { SocketAddress } from "@portio/core";
import type { LibcStreamTransport } from "@portio/libc-socket";
import { fdOf, type LibcSocketModule } from "@portio/node-shared";
import { getKoffiBinder } from "./libc-binder.ts";

/**
 * Takes a connection a node:net Unix server accepted (paused: `pauseOnConnect`, so Node has read
 * nothing from it) over into a libc stream; Node's socket is destroyed, which closes only its
 * copy of the fd. `libc` is libc-socket, which the listener loaded before it could accept.
 *
 * @example
 * ```ts
 * const libc = await loadLibcSocket();
 * server.on("connection", (socket) => queue.push(acceptedUnixStream(libc, socket, "/run/app.sock")));
 * ```
 */
export function acceptedUnixStream(libc: LibcSocketModule, socket: Socket, localAddress: SocketAddress): LibcStreamTransport {
  const fd = fdOf(socket);
  if (fd === undefined) {
    socket.destroy();
    throw new Error("node:net gave an accepted Unix connection without an fd");
  }
  return libc.libcStreamFromDuplicate(getKoffiBinder(), fd, () => socket.destroy(), { localAddress, remoteAddress: "" });
}
