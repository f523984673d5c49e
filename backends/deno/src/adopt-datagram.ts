/**
 * Adopting datagram sockets on Deno: all four kinds through `@portio/libc-socket`'s
 * {@link LibcDatagramTransport} (Deno has no native path: node:dgram refuses such fds with
 * "Unsupported fd type", and `Deno.listenDatagram` takes no fd). Needs `--allow-ffi`.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource, DatagramTransport } from "@portio/core/backend";
import { adoptDatagramSocket } from "@portio/libc-socket";
import { getDenoBinder } from "./libc-binder.ts";

/**
 * A bound, unconnected UDP socket.
 *
 * @example
 * ```ts
 * const transport = await wrapUdpSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export function wrapUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return libcTransport(source, info, false);
}

/**
 * A connected UDP socket.
 *
 * @example
 * ```ts
 * const transport = await wrapConnectedUdpSocket({ fd }, await inspectSocket(fd));
 * await transport.send(new TextEncoder().encode("ping"));
 * ```
 */
export function wrapConnectedUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return libcTransport(source, info, true);
}

/**
 * An unconnected Unix datagram socket, bound or not.
 *
 * @example
 * ```ts
 * const transport = await wrapUnixDatagramSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export function wrapUnixDatagramSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return libcTransport(source, info, false);
}

/**
 * A connected Unix datagram socket (one end of a datagram socketpair, say).
 *
 * @example
 * ```ts
 * const transport = await wrapConnectedUnixDatagramSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export function wrapConnectedUnixDatagramSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> {
  return libcTransport(source, info, true);
}

function libcTransport(source: AdoptionSource, info: SocketInfo, connected: boolean): Promise<DatagramTransport> {
  return adoptDatagramSocket(getDenoBinder(), source.fd, info, connected);
}
