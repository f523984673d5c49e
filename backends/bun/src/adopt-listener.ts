/**
 * Adopting listening stream sockets on Bun: `Bun.listen({ fd, socket })` (TCP and Unix) behind
 * the same {@link BunListenerTransport} natively created listeners use.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { restoringOnFailure, startListening } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.ts";
import { BunListenerTransport } from "./listener-transport.ts";
import type { BunStreamTransport } from "./stream-transport.ts";

/**
 * A listening TCP or Unix socket, or a bound one that is not listening yet. Accepted TCP
 * connections get TCP_NODELAY; Unix ones get no TCP option and carry the listener's path as
 * their local address. Addresses come from the inspection, not from Bun (which reports the
 * adopted listener's hostname and port unreliably).
 *
 * @example
 * ```ts
 * const transport = await wrapListenerSocket({ fd: 3 }, await inspectSocket(3));
 * const accepted = await transport.accept();
 * ```
 */
export async function wrapListenerSocket(source: AdoptionSource, info: SocketInfo): Promise<BunListenerTransport> {
  const tcp = info.family !== "unix";
  return restoringOnFailure(getBunFfiBinder(), source.fd, () => {
    // listen(2) before Bun sees the fd: if it fails (EADDRINUSE), the fd is still the caller's.
    if (info.state === "bound") startListening(getBunFfiBinder(), source.fd);
    const localAddress = info.localAddress;
    const transport = new BunListenerTransport({
      family: info.family,
      localAddress,
      accepted: tcp ? { family: info.family } : { family: "unix", localAddress, remoteAddress: "" },
      // Keep-alive is left as the kernel copies it from the listening socket.
      ...(tcp ? { tcpOptions: { noDelay: true } } : {}),
    });
    transport.attach(
      Bun.listen<BunStreamTransport | undefined>({
        fd: source.fd,
        allowHalfOpen: true,
        socket: transport.handlers,
      } as unknown as Parameters<typeof Bun.listen<BunStreamTransport | undefined>>[0]),
    );
    return transport;
  });
}
