import { chmodSync } from "node:fs";
import type { Socket } from "bun";
import type { BackendUnixListenerOptions } from "@portio/core/backend";
import { isAbstractUnixPath, toUnixSocketAddress } from "@portio/core/backend";
import { removeStaleSocket, unixPathToString } from "@portio/node-compat";
import { BunListenerTransport } from "./listener-transport.js";
import { streamHandlers } from "./socket-handlers.js";
import { BunStreamTransport } from "./stream-transport.js";

const NON_UTF8_PATH =
  "the Bun backend cannot use Unix stream socket paths that are not valid UTF-8: Bun.connect and " +
  "Bun.listen take the path as a string; use a UTF-8 path";

/**
 * Connects to a Unix stream socket (a path, or an abstract name with a leading NUL) with
 * `Bun.connect({ unix })`. Bun's errors come through as they are: `ENOENT` for a missing path,
 * `ECONNREFUSED` for a socket nobody listens on. Bun reports no addresses for Unix sockets, so
 * the transport is given them: the client is unnamed (`""`), the peer is `path`.
 *
 * @example
 * ```ts
 * const transport = await connectUnix("/run/app.sock", {});
 * transport.remoteAddress(); // "/run/app.sock"
 * ```
 */
export async function connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<BunStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NON_UTF8_PATH);
  signal?.throwIfAborted();
  let transport: BunStreamTransport | undefined;
  await Bun.connect<BunStreamTransport | undefined>({
    unix: target,
    allowHalfOpen: true,
    socket: streamHandlers((socket: Socket<BunStreamTransport>) => {
      transport = new BunStreamTransport(socket, { family: "unix", localAddress: "", remoteAddress: toUnixSocketAddress(target) });
    }),
  });
  if (signal?.aborted) {
    await transport!.close(0);
    throw signal.reason;
  }
  return transport!;
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
