/**
 * Adopting UDP sockets on Bun: `Bun.udpSocket({ fd })` behind the same
 * {@link BunDatagramTransport} as natively created ones. Unix datagrams are the shared libc
 * adoption's (`defineBackend`): Bun has no datagram path for them (`Bun.connect({ fd })` would
 * read them as a byte stream).
 *
 * @module
 */

import type { IPSocketAddress, SocketInfo } from "@portio/core";
import type { AdoptionSource, DatagramTransport } from "@portio/core/backend";
import { restoringOnFailure } from "@portio/libc-socket";
import { BunDatagramTransport } from "./datagram-transport.ts";
import { getBunFfiBinder } from "./libc-binder.ts";

/**
 * A bound, unconnected UDP socket.
 *
 * @example
 * ```ts
 * const transport = await wrapUdpSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return udpFromFd(source, info, undefined);
}

/**
 * A connected UDP socket. Bun's socket does not know the fd is connected, so every datagram is
 * sent to the peer by address, which a connected socket accepts; the kernel delivers only the
 * peer's datagrams.
 *
 * @example
 * ```ts
 * const transport = await wrapConnectedUdpSocket({ fd }, await inspectSocket(fd));
 * await transport.send(data);
 * ```
 */
export async function wrapConnectedUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return udpFromFd(source, info, info.remoteAddress as IPSocketAddress);
}

function udpFromFd(source: AdoptionSource, info: SocketInfo, peer: IPSocketAddress | undefined): Promise<DatagramTransport> {
  const family = info.family === "inet6" ? "inet6" : "inet";
  return restoringOnFailure(getBunFfiBinder(), source.fd, async () => {
    const transport = new BunDatagramTransport({ family, ...(peer ? { remoteAddress: peer, sendToPeer: true } : {}) });
    transport.attach(
      await Bun.udpSocket({ fd: source.fd, binaryType: "uint8array", socket: transport.handlers } as unknown as Parameters<
        typeof Bun.udpSocket<"uint8array">
      >[0]),
      info.localAddress as IPSocketAddress,
    );
    return transport;
  });
}
