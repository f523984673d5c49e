import type { LibcBinder, LibcDatagramTransport, LibcStreamTransport } from "@portio/libc-socket";
import { loadLibcSocket } from "./libc-socket.ts";

/** A backend's `socketpair`, with the overloads core's `AsyncBackend` declares. */
export interface Socketpair {
  (type: "stream"): Promise<[LibcStreamTransport, LibcStreamTransport]>;
  (type: "dgram"): Promise<[LibcDatagramTransport, LibcDatagramTransport]>;
}

/**
 * `socketpair(2)` for a backend whose runtime cannot make one (none can): the pair is made and
 * driven through libc, streams too — a runtime stream would read ahead with plain `read(2)` and
 * so lose fds passed over the pair (see `LibcStreamTransport`). Both ends are unnamed, so every
 * address is `""`. `binder` is asked for on each call, so that the FFI is only
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
  async function socketpair(
    type: "stream" | "dgram",
  ): Promise<[LibcStreamTransport, LibcStreamTransport] | [LibcDatagramTransport, LibcDatagramTransport]> {
    const libc = binder();
    const { datagramSocketpair, libcStreamSocketpair } = await loadLibcSocket();
    return type === "dgram" ? datagramSocketpair(libc) : libcStreamSocketpair(libc);
  }
  return socketpair as Socketpair;
}
