import type { IPSocketAddress } from "@portio/core";
import type { BackendUDPOptions } from "@portio/core/backend";
import { LibcSocket, constantsFor } from "@portio/libc-socket";
import { BunDatagramTransport } from "./datagram-transport.ts";
import { getBunFfiBinder } from "./libc-binder.ts";

type UdpSocketOptions = Parameters<typeof Bun.udpSocket<"uint8array">>[0];

/**
 * A UDP socket bound to a numeric `localHost` and `localPort` (0: a free port), with
 * `Bun.udpSocket` (faster than node:dgram in Bun). SO_REUSEPORT only when asked for; an IPv6
 * socket keeps the system's dual-stack default (bound to `::` it also hears IPv4 senders, as
 * `::ffff:a.b.c.d`).
 *
 * @example
 * ```ts
 * const transport = await createUdpSocket("127.0.0.1", 0, { family: "inet", reusePort: false });
 * console.log(transport.localAddress()); // ["127.0.0.1", 40517]
 * ```
 */
export async function createUdpSocket(
  localHost: string,
  localPort: number,
  options: BackendUDPOptions,
): Promise<BunDatagramTransport> {
  const transport = new BunDatagramTransport({ family: options.family });
  if (options.reusePort) return reusePortSocket(transport, options.family, [localHost, localPort], undefined);
  transport.attach(
    await Bun.udpSocket({
      hostname: localHost,
      port: localPort,
      binaryType: "uint8array",
      socket: transport.handlers,
    } as unknown as UdpSocketOptions),
  );
  return transport;
}

/**
 * A UDP socket connected to a numeric `remoteHost` (`Bun.udpSocket({ connect })`), bound first to
 * `localHost` / `localPort` when given, else to the family's any-address and a free port.
 *
 * @example
 * ```ts
 * const transport = await createConnectedUdpSocket("127.0.0.1", 5353, { family: "inet", reusePort: false });
 * await transport.send(query);
 * ```
 */
export async function createConnectedUdpSocket(
  remoteHost: string,
  remotePort: number,
  options: BackendUDPOptions & { localHost?: string; localPort?: number },
): Promise<BunDatagramTransport> {
  const remoteAddress: IPSocketAddress = [remoteHost, remotePort];
  const localHost = options.localHost ?? (options.family === "inet6" ? "::" : "0.0.0.0");
  const localPort = options.localPort ?? 0;
  if (options.reusePort) {
    const connected = new BunDatagramTransport({ family: options.family, remoteAddress, sendToPeer: true });
    return reusePortSocket(connected, options.family, [localHost, localPort], remoteAddress);
  }
  const transport = new BunDatagramTransport({ family: options.family, remoteAddress });
  transport.attach(
    await Bun.udpSocket({
      hostname: localHost,
      port: localPort,
      binaryType: "uint8array",
      connect: { hostname: remoteHost, port: remotePort },
      socket: transport.handlers,
    } as unknown as UdpSocketOptions),
  );
  return transport;
}

/**
 * `Bun.udpSocket` ignores `reusePort` (a second socket on the port fails with EADDRINUSE), so a
 * socket that needs SO_REUSEPORT is made, flagged, bound (and connected) through libc, then handed
 * to Bun with `Bun.udpSocket({ fd })`. A connected one sends to its peer by address, since Bun does
 * not know the fd is connected.
 */
async function reusePortSocket(
  transport: BunDatagramTransport,
  family: "inet" | "inet6",
  local: IPSocketAddress,
  peer: IPSocketAddress | undefined,
): Promise<BunDatagramTransport> {
  const binder = getBunFfiBinder();
  const C = constantsFor(binder.platform);
  const socket = LibcSocket.create(binder, family, "dgram");
  let fd: number | undefined;
  try {
    socket.setsockoptInt(C.SOL_SOCKET, C.SO_REUSEPORT, 1);
    socket.bind(local);
    if (peer !== undefined) await socket.connect(peer);
    const localAddress = socket.getsockname() as IPSocketAddress;
    fd = await socket.detach();
    transport.attach(
      await Bun.udpSocket({ fd, binaryType: "uint8array", socket: transport.handlers } as unknown as UdpSocketOptions),
      localAddress,
    );
    return transport;
  } catch (error) {
    if (fd === undefined) await socket.close();
    else binder.close(fd);
    throw error;
  }
}
