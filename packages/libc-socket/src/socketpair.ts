import type { LibcBinder } from "./binder.js";
import { LibcDatagramTransport } from "./datagram-transport.js";
import { LibcSocket } from "./socket.js";

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
