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

/**
 * A connected pair of Unix stream sockets (`socketpair(2)`), each end handed to the runtime by
 * `adopt` (which takes over the fd: the runtime's stream closes it from then on). If adopting an
 * end fails, what was made so far is closed, so no fd leaks.
 *
 * @example
 * ```ts
 * const [a, b] = await streamSocketpair(binder, (fd) => new NetStreamTransport(new net.Socket({ fd }), { family: "unix", fd }));
 * ```
 */
export async function streamSocketpair<T extends { close(flushTimeoutMs: number): Promise<void> }>(
  binder: LibcBinder,
  adopt: (fd: number) => T | Promise<T>,
): Promise<[T, T]> {
  const [a, b] = (await Promise.all(LibcSocket.socketpair(binder, "stream").map((socket) => socket.detach()))) as [number, number];
  let first: T;
  try {
    first = await adopt(a);
  } catch (error) {
    binder.close(a);
    binder.close(b);
    throw error;
  }
  try {
    return [first, await adopt(b)];
  } catch (error) {
    await first.close(0);
    binder.close(b);
    throw error;
  }
}
