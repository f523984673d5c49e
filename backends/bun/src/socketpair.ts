/**
 * `socketpair(2)` on Bun: the pair is made and driven through libc (Bun cannot make one), stream
 * ends too, so that they can pass fds (see `LibcStreamTransport`).
 *
 * @module
 */

import { datagramSocketpair, libcStreamSocketpair, type LibcDatagramTransport, type LibcStreamTransport } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.js";

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
export function socketpair(type: "stream"): Promise<[LibcStreamTransport, LibcStreamTransport]>;
export function socketpair(type: "dgram"): Promise<[LibcDatagramTransport, LibcDatagramTransport]>;
export async function socketpair(
  type: "stream" | "dgram",
): Promise<[LibcStreamTransport, LibcStreamTransport] | [LibcDatagramTransport, LibcDatagramTransport]> {
  const binder = getBunFfiBinder();
  if (type === "dgram") return datagramSocketpair(binder);
  // libc, not Bun.connect({ fd }): Bun's read-ahead would lose fds passed over the pair.
  return libcStreamSocketpair(binder);
}
