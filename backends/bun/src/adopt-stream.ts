/**
 * Adopting connected stream sockets on Bun: `Bun.connect({ fd, socket })` (TCP and Unix), behind
 * the same {@link BunStreamTransport} natively created connections use. Never
 * `new net.Socket({ fd })`: Bun accepts the fd and then never reads or writes it.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { libcStreamFromFd, restoringOnFailure, type LibcStreamTransport } from "@portio/libc-socket";

import { streamFromFd } from "./fd-stream.js";
import { getBunFfiBinder } from "./libc-binder.js";
import type { BunStreamTransport } from "./stream-transport.js";

/**
 * A connected TCP socket, with TCP_NODELAY set as on every portio TCP stream. The addresses come
 * from the inspection: Bun reports none for a socket it got as an fd.
 *
 * @example
 * ```ts
 * const transport = await wrapStreamSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<BunStreamTransport> {
  return restoringOnFailure(getBunFfiBinder(), source.fd, () =>
    streamFromFd(source.fd, {
      family: info.family,
      localAddress: info.localAddress,
      ...(info.remoteAddress === undefined || info.remoteAddress === null ? {} : { remoteAddress: info.remoteAddress }),
      noDelay: true,
    }),
  );
}

/**
 * A connected Unix stream socket; an unnamed end is `""`.
 *
 * @example
 * ```ts
 * const transport = await wrapUnixStreamSocket({ fd }, await inspectSocket(fd));
 * ```
 */
export async function wrapUnixStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<LibcStreamTransport> {
  const binder = getBunFfiBinder();
  // libc, not Bun.connect({ fd }): Bun's read-ahead would lose fds passed over the stream.
  return restoringOnFailure(binder, source.fd, () =>
    libcStreamFromFd(binder, source.fd, { localAddress: info.localAddress, remoteAddress: info.remoteAddress ?? "" }),
  );
}
