/**
 * Adoption through libc, written once for every backend: given a backend's binder, the members of
 * `AsyncBackend` that need nothing from the runtime (state detection, waiting for a connect,
 * Unix streams, datagram sockets of every kind, closing an fd). A backend spreads them into its
 * definition and overrides only what its own socket objects do better.
 *
 * @module
 */

import { UnsupportedError, type SocketInfo } from "@portio/core";
import type { AdoptionSource, AsyncBackend, DatagramTransport, StreamTransport } from "@portio/core/backend";
import type { LibcBinder } from "./binder.ts";
import { adoptDatagramSocket } from "./adopt-datagram.ts";
import { waitForConnect } from "./connect-wait.ts";
import { lastError } from "./errno.ts";
import { inspectSocket } from "./inspect.ts";
import { restoringOnFailure } from "./ownership.ts";
import { LISTEN_BACKLOG } from "./socket.ts";
import { libcStreamFromFd } from "./stream-transport.ts";

/** The members {@link libcAdoption} provides. */
export type LibcAdoption = Required<
  Pick<
    AsyncBackend,
    | "closeFd"
    | "inspectSocket"
    | "waitForConnect"
    | "wrapUnixStreamSocket"
    | "wrapUdpSocket"
    | "wrapConnectedUdpSocket"
    | "wrapUnixDatagramSocket"
    | "wrapConnectedUnixDatagramSocket"
  >
>;

/**
 * The libc adoption members for the backend called `backendName`, over the binder `getBinder`
 * returns (called on first use, so that a program which never adopts never loads the FFI).
 * Every wrap leaves the fd open and in its original blocking mode when it fails. A runtime object
 * (`source.native`) is refused with `UnsupportedError`: the runtime would still drive its fd.
 *
 * @example
 * ```ts
 * export const myBackend = defineBackend({ ...libcAdoption("mine", getMyBinder), name: "mine", ... });
 * ```
 */
export function libcAdoption(backendName: string, getBinder: () => LibcBinder): LibcAdoption {
  const fdOnly = (source: AdoptionSource): number => {
    if (source.native !== undefined) {
      throw new UnsupportedError(
        `the ${backendName} backend can adopt this kind of socket from an fd only, not from a runtime object`,
      );
    }
    return source.fd;
  };
  const datagram =
    (connected: boolean) =>
    async (source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport> =>
      adoptDatagramSocket(getBinder(), fdOnly(source), info, connected);
  return {
    closeFd: (fd) => {
      getBinder().close(fd);
    },
    inspectSocket: async (fd) => inspectSocket(getBinder(), fd),
    waitForConnect: async (source, options) => waitForConnect(getBinder(), fdOnly(source), options),
    wrapUnixStreamSocket: async (source: AdoptionSource, info: SocketInfo): Promise<StreamTransport> => {
      const binder = getBinder();
      const fd = fdOnly(source);
      // libc, not the runtime's stream: its read-ahead would lose fds passed over the stream.
      return restoringOnFailure(binder, fd, () =>
        libcStreamFromFd(binder, fd, { localAddress: info.localAddress, remoteAddress: info.remoteAddress ?? "" }),
      );
    },
    wrapUdpSocket: datagram(false),
    wrapConnectedUdpSocket: datagram(true),
    wrapUnixDatagramSocket: datagram(false),
    wrapConnectedUnixDatagramSocket: datagram(true),
  };
}

/**
 * listen(2) on a bound socket before the runtime sees it: if it fails (EADDRINUSE when another
 * socket listens on the port), the fd is still untouched and the caller's, whereas a failed
 * listen inside a runtime may close it.
 *
 * @example
 * ```ts
 * if (info.state === "bound") startListening(binder, fd);
 * ```
 */
export function startListening(binder: LibcBinder, fd: number): void {
  if (binder.listen(fd, LISTEN_BACKLOG) === -1) throw lastError(binder, "listen");
}
