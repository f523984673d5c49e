/**
 * Deno's Unix listeners when the process has `--allow-ffi`: made and accepted through libc.
 * `Deno.listen` hands out connections without their fds, and a Unix stream without its fd cannot
 * pass fds; accepting through libc gives every connection a `LibcStreamTransport` that can.
 *
 * @module
 */

import type { SocketAddress } from "@portio/core";
import type { ListenerTransport, StreamTransport } from "@portio/core/backend";
import { LibcSocket } from "@portio/libc-socket";
import { AdoptedListenerTransport } from "./adopt-listener.ts";
import { getDenoBinder } from "./libc-binder.ts";

/**
 * Binds and listens on `bindPath` (a path or an abstract name). The socket file's policy (its
 * mode from the first moment, stale and live files, removal on close) is core's
 * `listenOnUnixPath`, which calls this with a path in its private directory and passes
 * `onClosed`, run once the listener is closed.
 *
 * @example
 * ```ts
 * const listener = createLibcUnixListener("/tmp/app.sock", 511, "/tmp/app.sock");
 * ```
 */
export function createLibcUnixListener(
  bindPath: string,
  backlog: number,
  localAddress: SocketAddress,
  onClosed?: () => void | Promise<void>,
): ListenerTransport {
  const socket = LibcSocket.create(getDenoBinder(), "unix", "stream");
  try {
    // libc's bind is not checked by Deno's permissions; a file-system bindPath is inside the
    // private directory listenOnUnixPath made with Deno.mkdirSync, which was (--allow-write).
    socket.bind(bindPath);
    socket.listen(backlog);
  } catch (error) {
    void socket.close();
    throw error;
  }
  const inner = new AdoptedListenerTransport(socket, "unix", localAddress);
  let closing: Promise<void> | undefined;
  return {
    family: "unix",
    get fd() {
      return inner.fd;
    },
    localAddress: () => inner.localAddress(),
    accept: (): Promise<StreamTransport> => inner.accept(),
    close() {
      closing ??= inner.close().then(() => onClosed?.());
      return closing;
    },
  };
}
