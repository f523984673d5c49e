/**
 * `socketpair(2)` on Bun: the pair is made through libc (Bun cannot make one); each stream end is
 * handed to Bun with `Bun.connect({ fd })`, so a pair streams as fast as any Bun socket; datagram
 * ends stay with libc, since Bun has no Unix datagram path.
 *
 * @module
 */

import { LibcDatagramTransport, LibcSocket } from "@portio/libc-socket";
import { streamFromFd } from "./fd-stream.js";
import { getBunFfiBinder } from "./libc-binder.js";
import type { BunStreamTransport } from "./stream-transport.js";

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
export function socketpair(type: "stream"): Promise<[BunStreamTransport, BunStreamTransport]>;
export function socketpair(type: "dgram"): Promise<[LibcDatagramTransport, LibcDatagramTransport]>;
export async function socketpair(
  type: "stream" | "dgram",
): Promise<[BunStreamTransport, BunStreamTransport] | [LibcDatagramTransport, LibcDatagramTransport]> {
  const binder = getBunFfiBinder();
  const pair = LibcSocket.socketpair(binder, type);
  if (type === "dgram") {
    const options = { connected: true, localAddress: "", remoteAddress: "" };
    return [new LibcDatagramTransport(pair[0], options), new LibcDatagramTransport(pair[1], options)];
  }
  const [a, b] = await Promise.all(pair.map((socket) => socket.detach()));
  const options = { family: "unix", localAddress: "", remoteAddress: "" } as const;
  let first: BunStreamTransport;
  try {
    first = await streamFromFd(a!, options);
  } catch (error) {
    binder.close(a!);
    binder.close(b!);
    throw error;
  }
  try {
    return [first, await streamFromFd(b!, options)];
  } catch (error) {
    await first.close(0);
    binder.close(b!);
    throw error;
  }
}
