import { chmodSync } from "node:fs";
import net from "node:net";
import type { BackendUnixListenerOptions } from "@portio/core/backend";
import { isAbstractUnixPath, toUnixSocketAddress } from "@portio/core/backend";
import { whenConnected } from "./connect.js";
import { listen } from "./listen.js";
import { NodeListenerTransport } from "./listener-transport.js";
import { NetStreamTransport, removeStaleSocket, unixPathToString } from "@portio/node-compat";

/** Why a path node:net cannot take is refused (abstract names are fine: Node keeps the NUL). */
const NOT_UTF8 = "the Node backend cannot use Unix socket paths that are not valid UTF-8 (node:net takes strings only)";

/**
 * Connects to a Unix stream socket: a filesystem path, or an abstract name (leading NUL).
 * Node's errors come through as they are: `ENOENT` for a missing path, `ECONNREFUSED` for a
 * socket nobody listens on.
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
): Promise<NetStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NOT_UTF8);
  signal?.throwIfAborted();
  const socket = net.connect({ path: target, allowHalfOpen: true });
  return whenConnected(
    socket,
    signal,
    () => new NetStreamTransport(socket, { family: "unix", localAddress: "", remoteAddress: toUnixSocketAddress(target) }),
  );
}

/**
 * Listens on a Unix stream socket. A socket file left at `path` by an earlier listener is
 * removed first (as AnyIO does); any other kind of file stays and the bind fails with
 * `EADDRINUSE`. `mode` is applied to the socket file after binding.
 *
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { backlog: 128, mode: 0o600 });
 * const transport = await listener.accept();
 * ```
 */
export async function createUnixListener(
  path: string | Uint8Array,
  options: BackendUnixListenerOptions,
): Promise<NodeListenerTransport> {
  const target = unixPathToString(path, NOT_UTF8);
  const abstract = isAbstractUnixPath(target);
  if (!abstract) await removeStaleSocket(target);
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await listen(server, { path: target, backlog: options.backlog });
  const localAddress = toUnixSocketAddress(target);
  // Built before anything else can run, so that no connection arrives without a listener.
  const listener = new NodeListenerTransport(server, {
    family: "unix",
    localAddress,
    // Node cannot ask for an accepted socket's peer name; clients that connect from an unbound
    // socket (the usual case) have none anyway.
    wrap: (socket) => new NetStreamTransport(socket, { family: "unix", localAddress, remoteAddress: "" }),
  });
  if (options.mode !== undefined && !abstract) {
    // Synchronous on purpose: node:net binds and listens in one step, so a client could connect
    // before the mode is set; with no event-loop turn in between, that window stays tiny.
    try {
      chmodSync(target, options.mode);
    } catch (error) {
      await listener.close();
      throw error;
    }
  }
  return listener;
}
