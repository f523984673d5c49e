/**
 * `socketpair(2)` on Node: the pair is made through libc (Node cannot make one), then each stream
 * end is handed to a native `net.Socket`, so a pair streams exactly as fast as any node:net
 * connection; datagram ends stay with libc, where Node has no Unix datagram path.
 *
 * @module
 */

import net from "node:net";
import { LibcDatagramTransport, LibcSocket } from "@portio/libc-socket";
import { getKoffiBinder } from "./libc-binder.js";
import { NodeStreamTransport } from "./stream-transport.js";

/**
 * A connected pair of Unix sockets. Both ends are unnamed, so every address is `""`.
 *
 * @example
 * ```ts
 * const [a, b] = await socketpair("stream");
 * await a.write(new TextEncoder().encode("ping"));
 * console.log(await b.read());
 * ```
 */
export function socketpair(type: "stream"): Promise<[NodeStreamTransport, NodeStreamTransport]>;
export function socketpair(type: "dgram"): Promise<[LibcDatagramTransport, LibcDatagramTransport]>;
export async function socketpair(
  type: "stream" | "dgram",
): Promise<[NodeStreamTransport, NodeStreamTransport] | [LibcDatagramTransport, LibcDatagramTransport]> {
  const pair = LibcSocket.socketpair(getKoffiBinder(), type);
  if (type === "dgram") {
    const options = { connected: true, localAddress: "", remoteAddress: "" };
    return [new LibcDatagramTransport(pair[0], options), new LibcDatagramTransport(pair[1], options)];
  }
  // From here on libuv owns the fds: it closes them when the net.Socket is destroyed.
  const [a, b] = await Promise.all(pair.map((socket) => socket.detach()));
  const first = streamOver(a!);
  try {
    return [first, streamOver(b!)];
  } catch (error) {
    await first.close(0);
    getKoffiBinder().close(b!);
    throw error;
  }
}

function streamOver(fd: number): NodeStreamTransport {
  // allowHalfOpen: sendEof on one end must not close the other end's sending side.
  const socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  return new NodeStreamTransport(socket, { family: "unix", localAddress: "", remoteAddress: "" });
}
