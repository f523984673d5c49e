/**
 * The conformance harness's TCP option reader over libc: getsockopt on the stream's socket, found
 * through /proc where the runtime hands out no fd (Deno's own connections).
 * @module
 */
import { SocketAttribute, type SocketStream } from "@portio/core";
import { findTcpSocketFd, type KernelTCPOptions, type ProcFiles, type TCPOptionReader } from "@portio/testkit";
import type { LibcBinder } from "../binder.ts";
import { getsockoptInt } from "../calls.ts";
import { constantsFor } from "../constants.ts";

/**
 * A {@link TCPOptionReader} over `binder`: TCP_NODELAY, SO_KEEPALIVE and TCP_KEEPIDLE as the
 * kernel reports them for the stream's socket. The fd is the stream's `SocketAttribute.fd`, or,
 * for a stream without one, the fd {@link findTcpSocketFd} finds through `files`.
 *
 * @example
 * ```ts
 * import { libcTcpOptionReader } from "@portio/libc-socket/testing";
 * import { procFiles } from "@portio/node-shared/testing";
 * const harness = { ...rest, tcpOptions: libcTcpOptionReader(getDenoBinder(), procFiles()) };
 * ```
 */
export function libcTcpOptionReader(binder: LibcBinder, files: ProcFiles): TCPOptionReader {
  const C = constantsFor(binder.platform);
  return {
    async read(stream: SocketStream): Promise<KernelTCPOptions> {
      const fd =
        stream.extra(SocketAttribute.fd, undefined) ??
        (await findTcpSocketFd(files, stream.extra(SocketAttribute.localPort), stream.extra(SocketAttribute.remotePort)));
      return {
        noDelay: getsockoptInt(binder, fd, C.IPPROTO_TCP, C.TCP_NODELAY) !== 0,
        keepAlive: getsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_KEEPALIVE) !== 0,
        keepAliveIdleSeconds: getsockoptInt(binder, fd, C.IPPROTO_TCP, C.TCP_KEEPIDLE),
      };
    },
  };
}
