import { SocketAttribute, createUdpSocket, type CreateUdpSocketOptions, type UDPSocket } from "@portio/core";
import type { CaseContext } from "../context.ts";
import { LOOPBACK, type IPFamily } from "./tcp.ts";

/** An unconnected UDP socket on the loopback address of `family`, port 0 unless given; closed after the case. */
export async function loopbackUdp(
  t: CaseContext,
  family: IPFamily,
  options: Omit<CreateUdpSocketOptions, "family" | "localHost"> = {},
): Promise<UDPSocket> {
  return t.use(await createUdpSocket({ ...options, family, localHost: LOOPBACK[family] }));
}

/** The port a UDP socket is bound to. */
export function udpPort(socket: UDPSocket): number {
  return socket.extra(SocketAttribute.localPort);
}
