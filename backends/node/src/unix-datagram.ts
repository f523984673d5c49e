/**
 * Unix datagram sockets on Node. Node has no native path for them (only blocking fs calls), so
 * they go through `@portio/libc-socket` with the koffi binder, which also takes any path bytes,
 * non-UTF-8 ones included (node:net takes strings only).
 *
 * @module
 */

import { chmodSync } from "node:fs";
import type { BackendUnixDatagramOptions } from "@portio/core";
import { isAbstractUnixPath } from "@portio/core";
import { LibcDatagramTransport, LibcSocket } from "@portio/libc-socket";
import { getKoffiBinder } from "./libc-binder.js";
import { removeStaleSocket } from "./stale-socket.js";

/**
 * An unconnected Unix datagram socket, bound to `localPath` when given (a socket file left there
 * is replaced; an abstract name is a `"\0"`-prefixed string or bytes starting with 0), its file
 * mode set to `mode` when given.
 *
 * @example
 * ```ts
 * const transport = await createUnixDatagramSocket({ localPath: "/tmp/app.dgram", mode: 0o600 });
 * const [data, sender] = await transport.receive();
 * ```
 */
export async function createUnixDatagramSocket(options: BackendUnixDatagramOptions): Promise<LibcDatagramTransport> {
  const socket = await bound(options);
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
 * const transport = await createConnectedUnixDatagramSocket("/run/systemd/notify", {});
 * await transport.send(new TextEncoder().encode("READY=1"));
 * ```
 */
export async function createConnectedUnixDatagramSocket(
  remotePath: string | Uint8Array,
  options: BackendUnixDatagramOptions,
): Promise<LibcDatagramTransport> {
  const socket = await bound(options);
  try {
    // A Unix connect completes at once (or fails): it never waits for a peer to accept.
    await socket.connect(remotePath);
    return new LibcDatagramTransport(socket, { connected: true });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

/** A new non-blocking AF_UNIX/SOCK_DGRAM socket, bound and chmod-ed as `options` say. */
async function bound(options: BackendUnixDatagramOptions): Promise<LibcSocket> {
  const { localPath, mode } = options;
  const abstract = localPath !== undefined && isAbstractUnixPath(localPath);
  if (localPath !== undefined && !abstract) await removeStaleSocket(localPath);
  const socket = LibcSocket.create(getKoffiBinder(), "unix", "dgram");
  try {
    if (localPath !== undefined) {
      socket.bind(localPath);
      // Right after bind, with no event-loop turn in between, so the window in which the file
      // has the umask's mode stays tiny. Abstract names have no file.
      if (mode !== undefined && !abstract) chmodSync(fsPath(localPath), mode);
    }
  } catch (error) {
    await socket.close();
    throw error;
  }
  return socket;
}

/** The path for node:fs, which takes any bytes as a Buffer. */
function fsPath(path: string | Uint8Array): string | Buffer {
  return typeof path === "string" ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
