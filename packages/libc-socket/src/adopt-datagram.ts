import type { SocketInfo } from "@portio/core";
import type { LibcBinder } from "./binder.ts";
import { LibcDatagramTransport } from "./datagram-transport.ts";
import { restoringOnFailure } from "./ownership.ts";
import { LibcSocket } from "./socket.ts";

/**
 * Adopts a datagram socket fd (UDP or Unix, connected or not) as a {@link LibcDatagramTransport},
 * for backends whose runtime has no native path for it. `info` is the fd's inspection: its names
 * are taken from there instead of asking again. On failure the fd stays the caller's, as it was.
 *
 * @example
 * ```ts
 * const transport = await adoptDatagramSocket(binder, fd, inspectSocket(binder, fd), true);
 * await transport.send(new TextEncoder().encode("ping"));
 * ```
 */
export function adoptDatagramSocket(
  binder: LibcBinder,
  fd: number,
  info: SocketInfo,
  connected: boolean,
): Promise<LibcDatagramTransport> {
  return restoringOnFailure(binder, fd, () => {
    const socket = LibcSocket.fromFd(binder, fd);
    // As every adopter does: the transport's own calls never block either way, but the flag is
    // what the runtimes' adoption paths set too, so adopted sockets behave alike.
    socket.setNonBlocking(true);
    const named = !(info.family === "unix" && info.localAddress === "");
    return new LibcDatagramTransport(socket, {
      connected,
      ...(named ? { localAddress: info.localAddress } : {}),
      ...(connected && info.remoteAddress !== null ? { remoteAddress: info.remoteAddress } : {}),
    });
  });
}
