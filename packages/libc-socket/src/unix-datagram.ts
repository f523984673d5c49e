/**
 * Creating Unix datagram sockets, for backends whose runtime has none of its own (Node, Deno
 * without `--unstable-net`, Bun). libc takes any path bytes, non-UTF-8 ones included. What
 * touches the socket file goes through the runtime's file API, injected as {@link UnixSocketFiles}.
 *
 * @module
 */

import { isAbstractUnixPath, type BackendUNIXDatagramOptions } from "@portio/core/backend";
import type { LibcBinder } from "./binder.ts";
import { LibcDatagramTransport } from "./datagram-transport.ts";
import { lastError } from "./errno.ts";
import { LibcSocket } from "./socket.ts";

/** The runtime's file operations on a socket file (never called for abstract names). */
export interface UnixSocketFiles {
  /**
   * Called before the socket exists: removes a socket file left at `path` (leaving any other
   * file), and refuses what the runtime cannot do for this path and `mode` before anything is
   * bound.
   */
  prepare(path: string | Uint8Array, mode: number | undefined): Promise<void>;
  /** Sets the mode of the file bind just made; synchronous, so no event-loop turn comes between. */
  chmod(path: string | Uint8Array, mode: number): void;
}

/**
 * An unconnected Unix datagram socket, bound to `localPath` when given (a socket file left there
 * is replaced; an abstract name is a `"\0"`-prefixed string or bytes starting with 0), its file
 * mode set to `mode` when given.
 *
 * @example
 * ```ts
 * const transport = await createUnixDatagramSocket(binder, { localPath: "/tmp/app.dgram", mode: 0o600 }, files);
 * const [data, sender] = await transport.receive();
 * ```
 */
export async function createUnixDatagramSocket(
  binder: LibcBinder,
  options: BackendUNIXDatagramOptions,
  files: UnixSocketFiles,
): Promise<LibcDatagramTransport> {
  const socket = await bound(binder, options, files);
  try {
    return new LibcDatagramTransport(socket, { connected: false });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/**
 * A Unix datagram socket connected to `remotePath`, bound to `localPath` first when given (so the
 * peer sees a sender address). Errors of connect come through as they are: `ENOENT` for a
 * missing path, `ECONNREFUSED` for a file nobody is bound to.
 *
 * @example
 * ```ts
 * const transport = await createConnectedUnixDatagramSocket(binder, "/run/systemd/notify", {}, files);
 * await transport.send(new TextEncoder().encode("READY=1"));
 * ```
 */
export async function createConnectedUnixDatagramSocket(
  binder: LibcBinder,
  remotePath: string | Uint8Array,
  options: BackendUNIXDatagramOptions,
  files: UnixSocketFiles,
): Promise<LibcDatagramTransport> {
  const socket = await bound(binder, options, files);
  try {
    // A Unix connect completes at once (or fails): it never waits for a peer to accept.
    await socket.connect(remotePath);
    return new LibcDatagramTransport(socket, { connected: true });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/** A backend's two Unix datagram creators, as core's `AsyncBackend` names them. */
export interface UnixDatagramSockets {
  /** An unconnected Unix datagram socket, bound to `options.localPath` if given. */
  createUnixDatagramSocket(options: BackendUNIXDatagramOptions): Promise<LibcDatagramTransport>;
  /** A Unix datagram socket connected to `remotePath`. */
  createConnectedUnixDatagramSocket(
    remotePath: string | Uint8Array,
    options: BackendUNIXDatagramOptions,
  ): Promise<LibcDatagramTransport>;
}

/**
 * {@link createUnixDatagramSocket} and {@link createConnectedUnixDatagramSocket} bound to a
 * backend's binder and file operations. `binder` is asked for on each call, so that the FFI is
 * only loaded once a socket is made.
 *
 * @example
 * ```ts
 * export const { createUnixDatagramSocket, createConnectedUnixDatagramSocket } = unixDatagramSockets(getKoffiBinder, files);
 * ```
 */
export function unixDatagramSockets(binder: () => LibcBinder, files: UnixSocketFiles): UnixDatagramSockets {
  return {
    createUnixDatagramSocket: (options) => createUnixDatagramSocket(binder(), options, files),
    createConnectedUnixDatagramSocket: (remotePath, options) =>
      createConnectedUnixDatagramSocket(binder(), remotePath, options, files),
  };
}

/** A new non-blocking AF_UNIX/SOCK_DGRAM socket, bound and chmod-ed as `options` say. */
async function bound(binder: LibcBinder, options: BackendUNIXDatagramOptions, files: UnixSocketFiles): Promise<LibcSocket> {
  const { localPath, mode } = options;
  const abstract = localPath !== undefined && isAbstractUnixPath(localPath);
  if (localPath !== undefined && !abstract) await files.prepare(localPath, mode);
  const socket = LibcSocket.create(binder, "unix", "dgram");
  try {
    if (localPath !== undefined) {
      // The file then never has a looser mode than `mode`, not even between bind and chmod (the
      // chmod below only adds what the umask took away).
      if (mode !== undefined && !abstract && binder.fchmod?.(socket.fd, mode) === -1) throw lastError(binder, "fchmod");
      socket.bind(localPath);
      // Right after bind, with no event-loop turn in between, so the window in which the file
      // has the umask's mode stays tiny. Abstract names have no file.
      if (mode !== undefined && !abstract) files.chmod(localPath, mode);
    }
  } catch (error) {
    await socket.close();
    throw error;
  }
  return socket;
}
