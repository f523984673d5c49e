/**
 * UDP on Deno through `@portio/libc-socket` and the `Deno.dlopen` binder: Deno's own
 * `Deno.listenDatagram` needs `--unstable-net`, and its node:dgram is about 12 times slower
 * (docs/design.md, performance contract). Needs `--allow-ffi`.
 *
 * @module
 */

import type { BackendUDPOptions } from "@portio/core/backend";
import { constantsFor, LibcDatagramTransport, LibcSocket } from "@portio/libc-socket";
import { getDenoBinder } from "./libc-binder.ts";

/**
 * A UDP socket bound to a numeric `localHost` and `localPort` (0: a free port). As in AnyIO,
 * SO_REUSEPORT is set only when asked for, SO_REUSEADDR never, and an IPv6 socket keeps the
 * system's dual-stack default.
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
): Promise<LibcDatagramTransport> {
  const socket = newSocket(options);
  try {
    socket.bind([localHost, localPort]);
    return new LibcDatagramTransport(socket, { connected: false });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/**
 * A UDP socket connected to a numeric `remoteHost`, bound first to `localHost` / `localPort` when
 * given (else connect() picks both).
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
): Promise<LibcDatagramTransport> {
  const socket = newSocket(options);
  try {
    if (options.localHost !== undefined || options.localPort !== undefined) {
      socket.bind([options.localHost ?? (options.family === "inet6" ? "::" : "0.0.0.0"), options.localPort ?? 0]);
    }
    // A UDP connect only sets the default peer: it completes at once.
    await socket.connect([remoteHost, remotePort]);
    return new LibcDatagramTransport(socket, { connected: true });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

function newSocket({ family, reusePort }: BackendUDPOptions): LibcSocket {
  const binder = getDenoBinder();
  const socket = LibcSocket.create(binder, family, "dgram");
  if (reusePort) {
    const C = constantsFor(binder.platform);
    try {
      socket.setsockoptInt(C.SOL_SOCKET, C.SO_REUSEPORT, 1);
    } catch (error) {
      void socket.close();
      throw error;
    }
  }
  return socket;
}
