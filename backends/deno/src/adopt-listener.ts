/**
 * Adopting listening stream sockets on Deno. `Deno.listen({ fd })` ignores the fd (it listens on
 * a fresh random port), so it is never used: connections are accepted through libc (the shared
 * reactor waits for readability, so nothing blocks) and each accepted fd is streamed with node:net,
 * as adopted connections are. Needs `--allow-ffi`.
 *
 * @module
 */

import type { AddressFamily, SocketAddress, SocketInfo } from "@portio/core";
import type { AdoptionSource, ListenerTransport, StreamTransport } from "@portio/core/backend";
import { LibcSocket, LibcStreamTransport, restoringOnFailure } from "@portio/libc-socket";

import { getDenoBinder } from "./libc-binder.ts";
import { directReadingSocket, NetStreamTransport } from "@portio/node-shared";

/**
 * A listening TCP or Unix socket, or a bound one that is not listening yet (started here).
 * Accepted TCP connections get TCP_NODELAY; Unix ones get no TCP option and carry the
 * listener's path as their local address.
 *
 * @example
 * ```ts
 * const transport = await wrapListenerSocket({ fd: 3 }, await inspectSocket(3));
 * const accepted = await transport.accept();
 * ```
 */
export async function wrapListenerSocket(source: AdoptionSource, info: SocketInfo): Promise<ListenerTransport> {
  const binder = getDenoBinder();
  return restoringOnFailure(binder, source.fd, () => {
    const socket = LibcSocket.fromFd(binder, source.fd);
    // listen(2) before anything else: if it fails (EADDRINUSE), the fd is untouched.
    if (info.state === "bound") socket.listen();
    socket.setNonBlocking(true);
    return new AdoptedListenerTransport(socket, info.family, info.localAddress);
  });
}

/** A listening fd driven through libc, accepted connections handed to node:net. */
export class AdoptedListenerTransport implements ListenerTransport {
  readonly family: AddressFamily;
  readonly #socket: LibcSocket;
  readonly #localAddress: SocketAddress;
  #closing: Promise<void> | undefined;

  constructor(socket: LibcSocket, family: AddressFamily, localAddress: SocketAddress) {
    this.#socket = socket;
    this.family = family;
    this.#localAddress = localAddress;
  }

  get fd(): number | undefined {
    return this.#closing === undefined ? this.#socket.fd : undefined;
  }

  localAddress(): SocketAddress {
    return this.#localAddress;
  }

  async accept(): Promise<StreamTransport> {
    // ECONNABORTED and EINTR are retried inside; close() wakes the wait with ClosedResourceError.
    const [accepted, peer] = await this.#socket.accept();
    // Unix connections stay with libc, so that they can pass fds (see LibcStreamTransport).
    if (this.family === "unix")
      return new LibcStreamTransport(accepted, { localAddress: this.#localAddress, remoteAddress: peer });
    const fd = await accepted.detach();
    try {
      // Reads go straight from the handle to the transport (net's `onread`, which Deno 2.9's
      // node:net takes), as for adopted connections: no Readable machinery, no 'data' events.
      const socket = directReadingSocket(fd);
      socket.setNoDelay(true);
      return new NetStreamTransport(socket, { family: this.family, remoteAddress: peer, fd, directReads: true });
    } catch (error) {
      getDenoBinder().close(fd);
      throw error;
    }
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#socket.close());
  }
}
