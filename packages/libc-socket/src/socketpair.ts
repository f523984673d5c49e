import type { LibcBinder } from "./binder.ts";
import { LibcDatagramTransport } from "./datagram-transport.ts";
import { LibcSocket } from "./socket.ts";

/**
 * A connected pair of Unix datagram sockets (`socketpair(2)`), as transports. Both ends are
 * unnamed, so every address is `""`.
 *
 * @example
 * ```ts
 * const [a, b] = datagramSocketpair(binder);
 * await a.send(new TextEncoder().encode("ping"));
 * console.log(await b.receive());
 * ```
 */
export function datagramSocketpair(binder: LibcBinder): [LibcDatagramTransport, LibcDatagramTransport] {
  const [a, b] = LibcSocket.socketpair(binder, "dgram");
  const options = { connected: true, localAddress: "", remoteAddress: "" };
  return [new LibcDatagramTransport(a, options), new LibcDatagramTransport(b, options)];
}
