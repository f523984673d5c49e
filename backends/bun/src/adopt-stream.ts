/**
 * Adopting connected TCP sockets on Bun: `Bun.connect({ fd, socket })`, behind the same
 * {@link BunStreamTransport} natively created connections use (Unix streams are the shared libc
 * adoption's, `defineBackend`: Bun's read-ahead would lose fds). Never
 * `new net.Socket({ fd })`: Bun accepts the fd and then never reads or writes it.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { restoringOnFailure } from "@portio/libc-socket";

import { streamFromFd } from "./fd-stream.ts";
import { getBunFfiBinder } from "./libc-binder.ts";
import type { BunStreamTransport } from "./stream-transport.ts";

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
      // As on every portio TCP stream; keep-alive stays as the fd had it.
      tcpOptions: { noDelay: true },
    }),
  );
}
