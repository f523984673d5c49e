import { chmodSync } from "node:fs";
import type { BackendUnixListenerOptions } from "@portio/core";
import { isAbstractUnixPath, toUnixSocketAddress } from "@portio/core";
import { removeStaleSocket, unixPathToString } from "@portio/node-compat";
import { BunListenerTransport } from "./listener-transport.js";
import type { BunStreamTransport } from "./stream-transport.js";
import { libcConnectUnix, type LibcStreamTransport } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.js";

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
export async function connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<LibcStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NON_UTF8_PATH);
  signal?.throwIfAborted();
  // Through libc, not Bun.connect: Bun reads ahead, and fds a plain read meets are lost.
  return libcConnectUnix(getBunFfiBinder(), target, signal, toUnixSocketAddress(target));
}

/**
 * Listens on a Unix stream socket with `Bun.listen({ unix })`. A socket file left at `path` by an
 * earlier listener is removed first (as AnyIO does); any other kind of file stays and the bind
 * fails with `EADDRINUSE`. `mode` is applied to the socket file right after binding. Bun unlinks
 * the file when the listener stops. `backlog` is not applied (Bun.listen has no such option).
 *
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { backlog: 128, mode: 0o600 });
 * const transport = await listener.accept();
 * ```
 */
export async function createUnixListener(path: string | Uint8Array, options: BackendUnixListenerOptions): Promise<BunListenerTransport> {
  const target = unixPathToString(path, NON_UTF8_PATH);
  const abstract = isAbstractUnixPath(target);
  if (!abstract) await removeStaleSocket(target);
  const localAddress = toUnixSocketAddress(target);
  const transport = new BunListenerTransport({
    family: "unix",
    localAddress,
    // Accepted clients are usually unnamed; Bun cannot tell their name anyway.
    accepted: { family: "unix", localAddress, remoteAddress: "" },
    noDelay: false,
  });
  transport.attach(Bun.listen<BunStreamTransport | undefined>({ unix: target, allowHalfOpen: true, socket: transport.handlers }));
  if (options.mode !== undefined && !abstract) {
    // Synchronous on purpose: Bun binds and listens in one step, so a client could connect before
    // the mode is set; with no event-loop turn in between, that window stays tiny.
    try {
      chmodSync(target, options.mode);
    } catch (error) {
      await transport.close();
      throw error;
    }
  }
  return transport;
}
