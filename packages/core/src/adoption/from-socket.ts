/**
 * The seven `fromSocket` class methods, written once here (the classes' static methods reach
 * them through {@link registerAdopters}, which keeps the class modules free of an import cycle).
 *
 * Each validates in AnyIO's order ({@link check}), then hands the fd to the backend, which owns
 * it from then on.
 *
 * @module
 */

import { ConnectedUDPSocket, ConnectedUNIXDatagramSocket, UDPSocket, UNIXDatagramSocket } from "../sockets/datagram-sockets.ts";
import { SocketListener, UNIXSocketListener } from "../sockets/socket-listener.ts";
import { SocketStream } from "../sockets/socket-stream.ts";
import { UNIXSocketStream } from "../sockets/unix-socket-stream.ts";
import { registerAdopters } from "./adopters.ts";
import { IP_FAMILIES, UNIX_FAMILY, check, inspectArgument, type Inspected } from "./validate.ts";

/** `SocketStream.fromSocket` (any family; AF_UNIX gives a `UNIXSocketStream`) or, with `unixOnly`, `UNIXSocketStream.fromSocket`. */
export async function adoptStream(value: unknown, unixOnly: boolean): Promise<SocketStream> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { state: "connected", type: "stream", ...(unixOnly ? { families: UNIX_FAMILY } : {}) });
  return openStream(inspected);
}

/** `SocketListener.fromSocket` (AF_UNIX gives a `UNIXSocketListener`) or, with `unixOnly`, `UNIXSocketListener.fromSocket`. */
export async function adoptListener(value: unknown, unixOnly: boolean): Promise<SocketListener> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { state: "bound", type: "stream", notConnected: true, ...(unixOnly ? { families: UNIX_FAMILY } : {}) });
  return openListener(inspected);
}

/** `UDPSocket.fromSocket`: a bound UDP socket. */
export async function adoptUdp(value: unknown): Promise<UDPSocket> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { state: "bound", families: IP_FAMILIES, type: "dgram" });
  return openUdp(inspected);
}

/** `ConnectedUDPSocket.fromSocket`: a connected UDP socket. */
export async function adoptConnectedUdp(value: unknown): Promise<ConnectedUDPSocket> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { state: "connected", families: IP_FAMILIES, type: "dgram" });
  return openConnectedUdp(inspected);
}

/** `UNIXDatagramSocket.fromSocket`: a Unix datagram socket, bound or not (as in AnyIO). */
export async function adoptUnixDatagram(value: unknown): Promise<UNIXDatagramSocket> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { families: UNIX_FAMILY, type: "dgram" });
  return openUnixDatagram(inspected);
}

/** `ConnectedUNIXDatagramSocket.fromSocket`: a connected Unix datagram socket. */
export async function adoptConnectedUnixDatagram(value: unknown): Promise<ConnectedUNIXDatagramSocket> {
  const inspected = await inspectArgument(value);
  check(inspected.info, { state: "connected", families: UNIX_FAMILY, type: "dgram" });
  return openConnectedUnixDatagram(inspected);
}

// The open* functions take a socket that was already checked. They are shared with
// wrapClientSocket / wrapServerSocket, which pick the class from the SocketInfo.

export async function openStream({ backend, source, info }: Inspected): Promise<SocketStream> {
  if (info.family === "unix") return new UNIXSocketStream(await backend.wrapUnixStreamSocket(source, info));
  return new SocketStream(await backend.wrapStreamSocket(source, info));
}

export async function openListener({ backend, source, info }: Inspected): Promise<SocketListener> {
  const transport = await backend.wrapListenerSocket(source, info);
  return info.family === "unix" ? new UNIXSocketListener(transport) : new SocketListener(transport);
}

export async function openUdp({ backend, source, info }: Inspected): Promise<UDPSocket> {
  return new UDPSocket(await backend.wrapUdpSocket(source, info));
}

export async function openConnectedUdp({ backend, source, info }: Inspected): Promise<ConnectedUDPSocket> {
  return new ConnectedUDPSocket(await backend.wrapConnectedUdpSocket(source, info));
}

export async function openUnixDatagram({ backend, source, info }: Inspected): Promise<UNIXDatagramSocket> {
  return new UNIXDatagramSocket(await backend.wrapUnixDatagramSocket(source, info));
}

export async function openConnectedUnixDatagram({ backend, source, info }: Inspected): Promise<ConnectedUNIXDatagramSocket> {
  return new ConnectedUNIXDatagramSocket(await backend.wrapConnectedUnixDatagramSocket(source, info));
}

registerAdopters({
  stream: adoptStream,
  listener: adoptListener,
  udp: adoptUdp,
  connectedUdp: adoptConnectedUdp,
  unixDatagram: adoptUnixDatagram,
  connectedUnixDatagram: adoptConnectedUnixDatagram,
});
