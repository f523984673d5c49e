import type { BackendUNIXListenerOptions } from "@portio/core/backend";
import { listenOnUnixPath, toUnixSocketAddress } from "@portio/core/backend";
import { nodeUnixSocketFiles, unixPathToString } from "@portio/node-shared";
import { BunListenerTransport } from "./listener-transport.ts";
import type { BunStreamTransport } from "./stream-transport.ts";
import { libcConnectUnix, type LibcStreamTransport } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.ts";

const NON_UTF8_PATH =
  "the Bun backend cannot use Unix stream socket paths that are not valid UTF-8: Bun.connect and " +
  "Bun.listen take the path as a string; use a UTF-8 path";

/**
 * Connects to a Unix stream socket (a path, or an abstract name with a leading NUL) through libc
 * (bun:ffi), so that the stream can pass fds (see `LibcStreamTransport`). Errors come with their
 * code: `ENOENT` for a missing path, `ECONNREFUSED` for a socket nobody listens on. The client is
 * unnamed (`""`), the peer is `path`.
 *
 * @example
 * ```ts
 * const transport = await connectUnix("/run/app.sock", {});
 * transport.remoteAddress(); // "/run/app.sock"
 * ```
 */
export async function connectUnix(
  path: string | Uint8Array,
  options: { signal?: AbortSignal } = {},
): Promise<LibcStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NON_UTF8_PATH);
  signal?.throwIfAborted();
  // Through libc, not Bun.connect: Bun reads ahead, and fds a plain read meets are lost.
  return libcConnectUnix(getBunFfiBinder(), target, signal, toUnixSocketAddress(target));
}

/**
 * Listens on a Unix stream socket with `Bun.listen({ unix })`. A file-system path gets its socket
 * file through core's `listenOnUnixPath` (over node:fs): it has its final `mode` from the moment it
 * exists, a stale socket file is replaced, a live one or any other kind of file is `EADDRINUSE`;
 * on close the file is removed only if it is still the one this listener made. `backlog` is not
 * applied (Bun.listen has no such option).
 *
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { backlog: 128, mode: 0o600 });
 * const transport = await listener.accept();
 * ```
 */
export async function createUnixListener(
  path: string | Uint8Array,
  options: BackendUNIXListenerOptions,
): Promise<BunListenerTransport> {
  const target = unixPathToString(path, NON_UTF8_PATH);
  const localAddress = toUnixSocketAddress(target);
  const listenAt = (bindPath: string, onClosed: () => Promise<void>): BunListenerTransport => {
    const transport = new BunListenerTransport({
      family: "unix",
      localAddress,
      // Accepted clients are usually unnamed; Bun cannot tell their name anyway.
      accepted: { family: "unix", localAddress, remoteAddress: "" },
      onClosed,
    });
    transport.attach(
      Bun.listen<BunStreamTransport | undefined>({ unix: bindPath, allowHalfOpen: true, socket: transport.handlers }),
    );
    return transport;
  };
  return listenOnUnixPath(target, nodeUnixSocketFiles, {
    mode: options.mode,
    bind: listenAt,
    close: (transport) => transport.close(),
  });
}
