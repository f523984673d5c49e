/**
 * TCP connections whose local end is chosen (`localHost` / `localPort`), which `Deno.connect`
 * cannot do: the socket is made, bound and connected through libc, then streamed with node:net
 * (`new net.Socket({ fd })`), the one way Deno has to stream over an fd. Needs `--allow-ffi`.
 *
 * @module
 */

import net from "node:net";
import { constantsFor, LibcSocket } from "@portio/libc-socket";
import { ipFamilyOf } from "./addresses.ts";
import { getDenoBinder } from "./libc-binder.ts";
import { NetStreamTransport } from "@portio/node-compat";

/**
 * Connects to numeric `host`:`port` from `localHost`:`localPort` (either may be left out: the
 * family's any-address, or a free port), with TCP_NODELAY set.
 *
 * @example
 * ```ts
 * const transport = await connectTcpFromLocal("127.0.0.1", 8080, "127.0.0.1", 40000, undefined);
 * ```
 */
export async function connectTcpFromLocal(
  host: string,
  port: number,
  localHost: string | undefined,
  localPort: number | undefined,
  signal: AbortSignal | undefined,
): Promise<NetStreamTransport> {
  const family = ipFamilyOf(host);
  const binder = getDenoBinder();
  const C = constantsFor(binder.platform);
  const socket = LibcSocket.create(binder, family, "stream");
  let fd: number;
  try {
    // As Node and Deno do for their listeners, and AnyIO for bound clients: a port just freed
    // (TIME_WAIT) can be bound again.
    socket.setsockoptInt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    socket.bind([localHost ?? (family === "inet6" ? "::" : "0.0.0.0"), localPort ?? 0]);
    await socket.connect([host, port], signal === undefined ? {} : { signal });
    signal?.throwIfAborted();
    socket.setsockoptInt(C.IPPROTO_TCP, C.TCP_NODELAY, 1);
    fd = await socket.detach();
  } catch (error) {
    await socket.close();
    throw error;
  }
  try {
    const stream = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    return new NetStreamTransport(stream, { family, fd });
  } catch (error) {
    binder.close(fd);
    throw error;
  }
}
