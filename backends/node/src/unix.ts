import net from "node:net";
import type { BackendUNIXListenerOptions } from "@portio/core/backend";
import { isAbstractUnixPath, listenOnUnixPath, toUnixSocketAddress } from "@portio/core/backend";
import type { LibcStreamTransport } from "@portio/libc-socket";
import { getKoffiBinder } from "./libc-binder.ts";
import { acceptedUnixStream } from "./unix-stream.ts";
import { listen } from "./listen.ts";
import { NodeListenerTransport } from "./listener-transport.ts";
import { loadLibcSocket, nodeUnixSocketFiles, unixPathToString } from "@portio/node-shared";

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
): Promise<LibcStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NOT_UTF8);
  const { libcConnectUnix } = await loadLibcSocket();
  signal?.throwIfAborted();
  // Through libc, not node:net: see unix-stream.ts (fd passing).
  const reported = toUnixSocketAddress(target);
  const padded = nodeAbstractName(target);
  if (padded === target) return libcConnectUnix(getKoffiBinder(), target, signal, reported);
  try {
    return await libcConnectUnix(getKoffiBinder(), padded, signal, reported);
  } catch (error) {
    // Not a Node 20 listener: other runtimes (and Node 22+) bind the exact name.
    if ((error as { code?: unknown }).code !== "ECONNREFUSED") throw error;
    return libcConnectUnix(getKoffiBinder(), target, signal, reported);
  }
}

/** sun_path's size on Linux. */
const SUN_PATH_SIZE = 108;

/**
 * The abstract name as node:net itself would connect to it. Before Node 22, node:net binds and
 * connects abstract names NUL-padded to the whole sun_path (libuv took the length from the size of
 * sun_path), so a Node 20 listener on "\0name" really listens on "\0name\0\0...": connecting
 * with the exact name would be refused. Node 22+ uses the exact length, as every other runtime.
 */
function nodeAbstractName(target: string): string | Uint8Array {
  if (!isAbstractUnixPath(target) || Number(process.versions.node.split(".")[0]) >= 22) return target;
  const bytes = new TextEncoder().encode(target);
  if (bytes.length >= SUN_PATH_SIZE) return bytes;
  const padded = new Uint8Array(SUN_PATH_SIZE);
  padded.set(bytes);
  return padded;
}

/**
 * Listens on a Unix stream socket. A file-system path gets its socket file through core's
 * `listenOnUnixPath` (over node:fs): it has its final `mode` from the moment it exists, a stale socket file is
 * replaced, a live one or any other kind of file is `EADDRINUSE`; on close the file is removed
 * only if it is still the one this listener made.
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
): Promise<NodeListenerTransport> {
  const target = unixPathToString(path, NOT_UTF8);
  const localAddress = toUnixSocketAddress(target);
  // Before the server exists: each accepted connection is taken over into libc synchronously.
  const libc = await loadLibcSocket();
  const listenAt = async (bindPath: string, onClosed: () => Promise<void>): Promise<NodeListenerTransport> => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await listen(server, { path: bindPath, backlog: options.backlog });
    // Built before anything else can run, so that no connection arrives without a listener.
    return new NodeListenerTransport(server, {
      family: "unix",
      localAddress,
      // Node cannot ask for an accepted socket's peer name; clients that connect from an unbound
      // socket (the usual case) have none anyway.
      wrap: (socket) => acceptedUnixStream(libc, socket, localAddress),
      onClosed,
    });
  };
  return listenOnUnixPath(target, nodeUnixSocketFiles, {
    mode: options.mode,
    bind: listenAt,
    close: (transport) => transport.close(),
  });
}
