/**
 * `socketpair(2)` on Bun: the pair is made through libc (Bun cannot make one); each stream end is
 * handed to Bun with `Bun.connect({ fd })`, so a pair streams as fast as any Bun socket; datagram
 * ends stay with libc, since Bun has no Unix datagram path.
 *
 * @module
 */

import { datagramSocketpair, streamSocketpair, type LibcDatagramTransport } from "@portio/libc-socket";
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
  if (type === "dgram") return datagramSocketpair(binder);
  const options = { family: "unix", localAddress: "", remoteAddress: "" } as const;
  // Bun.connect({ fd }), not node:net: `new net.Socket({ fd })` stays inert on Bun.
  return streamSocketpair(binder, (fd) => streamFromFd(fd, options));
}
