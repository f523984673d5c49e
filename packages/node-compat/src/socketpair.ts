import net from "node:net";
import { datagramSocketpair, streamSocketpair, type LibcBinder, type LibcDatagramTransport } from "@portio/libc-socket";
import { NetStreamTransport } from "./stream-transport.js";

/** A backend's `socketpair`, with the overloads core's `AsyncBackend` declares. */
export interface Socketpair {
  (type: "stream"): Promise<[NetStreamTransport, NetStreamTransport]>;
  (type: "dgram"): Promise<[LibcDatagramTransport, LibcDatagramTransport]>;
}

/**
 * `socketpair(2)` for a backend whose runtime cannot make one (none can): the pair is made through
 * libc, then each stream end is handed to node:net (`new net.Socket({ fd })`, the fastest stream
 * Node has over an fd and the only one Deno has); datagram ends stay with libc. Both ends are
 * unnamed, so every address is `""`. `binder` is asked for on each call, so that the FFI is only
 * loaded when a pair is made.
 *
 * @example
 * ```ts
 * const socketpair = socketpairWith(getKoffiBinder);
 * const [a, b] = await socketpair("stream");
 * await a.write(new TextEncoder().encode("ping"));
 * console.log(await b.read());
 * ```
 */
export function socketpairWith(binder: () => LibcBinder): Socketpair {
  async function socketpair(type: "stream" | "dgram"): Promise<[NetStreamTransport, NetStreamTransport] | [LibcDatagramTransport, LibcDatagramTransport]> {
    const libc = binder();
    if (type === "dgram") return datagramSocketpair(libc);
    // From here on node:net owns the fds: it closes them when the socket is destroyed.
    return streamSocketpair(libc, streamOver);
  }
  return socketpair as Socketpair;
}

function streamOver(fd: number): NetStreamTransport {
  // allowHalfOpen: sendEof on one end must not close the other end's sending side.
  const socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  return new NetStreamTransport(socket, { family: "unix", localAddress: "", remoteAddress: "", fd });
}
