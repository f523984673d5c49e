import type { BackendUnixListenerOptions } from "@portio/core/backend";
import { isAbstractUnixPath, toUnixSocketAddress } from "@portio/core/backend";
import { unixPathToString } from "@portio/node-compat";
import { DenoListenerTransport } from "./listener-transport.ts";
import { withPermission, withPermissionSync } from "./permissions.ts";
import { removeStaleSocket } from "./stale-socket.ts";
import { DenoStreamTransport } from "./stream-transport.ts";

/** Why a path Deno cannot take is refused (abstract names are fine: Deno keeps the NUL on Linux). */
const NOT_UTF8 =
  "the Deno backend cannot use Unix socket paths that are not valid UTF-8 (Deno's socket and file APIs take strings only)";

/**
 * Connects to a Unix stream socket with `Deno.connect({ transport: "unix" })`: a file-system
 * path, or an abstract name (leading NUL). Deno's errors come through with their codes:
 * `ENOENT` for a missing path, `ECONNREFUSED` for a socket nobody listens on. Needs
 * `--allow-read` and `--allow-write` for the path.
 *
 * @throws UnsupportedError for a path that is not valid UTF-8
 * @example
 * ```ts
 * const transport = await connectUnix("/run/app.sock", {});
 * ```
 */
export async function connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<DenoStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NOT_UTF8);
  signal?.throwIfAborted();
  // A Unix connect completes at once or fails: no signal to pass down.
  const conn = await withPermission("Unix socket paths", "--allow-write", () => Deno.connect({ transport: "unix", path: target }));
  if (signal?.aborted) {
    conn.close();
    throw signal.reason;
  }
  return new DenoStreamTransport(conn, { family: "unix", localAddress: "", remoteAddress: toUnixSocketAddress(target) });
}

/**
 * Listens on a Unix stream socket with `Deno.listen({ transport: "unix" })`. A socket file left
 * at `path` by an earlier listener is removed first (as AnyIO does); any other file stays and the
 * bind fails with `EADDRINUSE`. `mode` is applied to the socket file right after binding. Needs
 * `--allow-read` and `--allow-write` for the path.
 *
 * Deno takes no backlog for Unix listeners (it uses its default of 511 there).
 *
 * @throws UnsupportedError for a path that is not valid UTF-8
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { backlog: 128, mode: 0o600 });
 * ```
 */
export async function createUnixListener(path: string | Uint8Array, options: BackendUnixListenerOptions): Promise<DenoListenerTransport> {
  const target = unixPathToString(path, NOT_UTF8);
  const abstract = isAbstractUnixPath(target);
  if (!abstract) await removeStaleSocket(target);
  const listener = withPermissionSync("Unix socket paths", "--allow-write", () => Deno.listen({ transport: "unix", path: target }));
  const localAddress = toUnixSocketAddress(target);
  const transport = new DenoListenerTransport(listener, {
    family: "unix",
    localAddress,
    // Clients usually connect from an unbound socket, which has no name.
    wrap: (conn) => new DenoStreamTransport(conn, { family: "unix", localAddress, remoteAddress: "" }),
  });
  if (options.mode !== undefined && !abstract) {
    // Synchronous on purpose: Deno binds and listens in one step, so a client could connect
    // before the mode is set; with no event-loop turn in between, that window stays tiny.
    try {
      withPermissionSync("setting a Unix socket's mode", "--allow-write", () => Deno.chmodSync(target, options.mode!));
    } catch (error) {
      await transport.close();
      throw error;
    }
  }
  return transport;
}
