/**
 * Adopting datagram sockets on Node. An unconnected UDP socket goes to `node:dgram`
 * (`bind({ fd })`), the fast native path. `node:dgram` cannot send on a connected fd it did not
 * connect itself (EISCONN) and has no Unix datagrams at all, so those go to the shared libc
 * adoption (`defineBackend`). Node's own `dgram.Socket` objects are wrapped as they are.
 *
 * @module
 */

import dgram from "node:dgram";
import type { SocketInfo } from "@portio/core";
import type { AdoptionSource, DatagramTransport } from "@portio/core/backend";
import { UnsupportedError } from "@portio/core";
import { loadLibcSocket } from "@portio/node-shared";
import { NodeDatagramTransport } from "./datagram-transport.ts";
import { getKoffiBinder } from "./libc-binder.ts";

/**
 * A bound, unconnected UDP socket, on `node:dgram` (`udp4` or `udp6` matching the socket's family:
 * `udp4` on an AF_INET6 fd would fail at the first send).
 *
 * @example
 * ```ts
 * const transport = await wrapUdpSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  const family = ipFamily(info);
  if (source.native instanceof dgram.Socket) return new NodeDatagramTransport(source.native, { family });
  const { restoringOnFailure } = await loadLibcSocket();
  return restoringOnFailure(getKoffiBinder(), source.fd, async () => {
    const socket = dgram.createSocket(family === "inet6" ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.off("listening", onListening);
        reject(error);
      };
      const onListening = (): void => {
        socket.off("error", onError);
        resolve();
      };
      socket.once("error", onError);
      socket.once("listening", onListening);
      socket.bind({ fd: source.fd });
    });
    return new NodeDatagramTransport(socket, { family });
  });
}

/**
 * A connected UDP socket. A `dgram.Socket` that Node connected itself is wrapped as it is; a
 * bare fd goes through libc.
 *
 * @throws UnsupportedError for a `dgram.Socket` whose fd was connected behind Node's back
 * @example
 * ```ts
 * const transport = await wrapConnectedUdpSocket({ fd }, await inspectSocket(fd));
 * await transport.send(new TextEncoder().encode("ping"));
 * ```
 */
export async function wrapConnectedUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  const family = ipFamily(info);
  if (source.native instanceof dgram.Socket) {
    try {
      source.native.remoteAddress();
    } catch {
      throw new UnsupportedError(
        "the Node backend cannot adopt this dgram.Socket as connected: its fd is connected, but node:dgram does not know " +
          "it and would fail to send; pass the fd number instead, or connect it with socket.connect()",
      );
    }
    return new NodeDatagramTransport(source.native, { family });
  }
  return (await loadLibcSocket()).libcAdoption("Node", getKoffiBinder).wrapConnectedUdpSocket(source, info);
}

function ipFamily(info: SocketInfo): "inet" | "inet6" {
  return info.family === "inet6" ? "inet6" : "inet";
}
