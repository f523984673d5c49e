/**
 * Adopting listening stream sockets on Node: `net.createServer().listen({ fd })` (TCP and Unix)
 * behind the same {@link NodeListenerTransport} natively created listeners use, or Node's own
 * `net.Server` wrapped as it is.
 *
 * @module
 */

import net from "node:net";
import type { SocketAddress, SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { DirectReads, loadLibcSocket, NetStreamTransport } from "@portio/node-shared";
import { getKoffiBinder } from "./libc-binder.ts";
import { acceptedUnixStream } from "./unix-stream.ts";
import { listen } from "./listen.ts";
import { NodeListenerTransport } from "./listener-transport.ts";

/**
 * A listening TCP or Unix socket, or a bound one that is not listening yet. Accepted TCP
 * connections get TCP_NODELAY and read through direct reads ({@link DirectReads.onto}), as a
 * native TCP listener's do; Unix ones get no TCP option and carry the listener's path as
 * their local address.
 *
 * @example
 * ```ts
 * const transport = await wrapListenerSocket({ fd: 3 }, await inspectSocket(3));
 * const accepted = await transport.accept();
 * ```
 */
export async function wrapListenerSocket(source: AdoptionSource, info: SocketInfo): Promise<NodeListenerTransport> {
  const tcp = info.family !== "unix";
  const libc = await loadLibcSocket();
  const { restoringOnFailure, startListening } = libc;
  return restoringOnFailure(getKoffiBinder(), source.fd, async () => {
    let server: net.Server;
    if (source.native instanceof net.Server) {
      server = source.native;
      // Read by Node for every incoming connection, so they apply from now on.
      const options = server as unknown as { allowHalfOpen: boolean; pauseOnConnect: boolean; noDelay: boolean };
      options.allowHalfOpen = true;
      options.pauseOnConnect = true;
      if (tcp) options.noDelay = true;
    } else {
      if (info.state === "bound") startListening(getKoffiBinder(), source.fd);
      // The socket listens already, so Node's own listen(2) only confirms it and cannot fail in a
      // way that would make libuv close the fd.
      server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: tcp });
      await listen(server, { fd: source.fd } as net.ListenOptions);
    }
    const localAddress = tcp ? (tcpAddress(server) ?? info.localAddress) : info.localAddress;
    const family = info.family;
    return new NodeListenerTransport(server, {
      family,
      localAddress,
      wrap: tcp
        ? (socket) => new NetStreamTransport(socket, { family, destroyClosesFd: true, directReads: DirectReads.onto(socket) })
        : (socket) => acceptedUnixStream(libc, socket, localAddress),
    });
  });
}

function tcpAddress(server: net.Server): SocketAddress | undefined {
  const address = server.address();
  return address !== null && typeof address === "object" ? [address.address, address.port] : undefined;
}
