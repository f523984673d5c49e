/**
 * Unix datagram sockets on Bun. Bun has no datagram path for them (`Bun.connect({ fd })` on one
 * gives stream semantics: no sender addresses, no message boundaries on receive), so they go
 * through `@portio/libc-socket` with the bun:ffi binder, which also takes any path bytes.
 *
 * @module
 */

import { chmodSync } from "node:fs";
import type { BackendUnixDatagramOptions } from "@portio/core";
import { isAbstractUnixPath } from "@portio/core";
import { LibcDatagramTransport, LibcSocket } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.js";
import { removeStaleSocket } from "./stale-socket.js";

/**
 * An unconnected Unix datagram socket, bound to `localPath` when given (a socket file left there
 * is replaced), its file mode set to `mode` when given.
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
 * A Unix datagram socket connected to `remotePath`, bound to `localPath` first when given.
 * Errors of connect come through as they are: `ENOENT` for a missing path, `ECONNREFUSED` for a
 * file nobody is bound to.
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
    await socket.connect(remotePath);
    return new LibcDatagramTransport(socket, { connected: true });
  } catch (error) {
    await socket.close();
    throw error;
  }
}

async function bound(options: BackendUnixDatagramOptions): Promise<LibcSocket> {
  const { localPath, mode } = options;
  const abstract = localPath !== undefined && isAbstractUnixPath(localPath);
  if (localPath !== undefined && !abstract) await removeStaleSocket(localPath);
  const socket = LibcSocket.create(getBunFfiBinder(), "unix", "dgram");
  try {
    if (localPath !== undefined) {
      socket.bind(localPath);
      // Right after bind, with no event-loop turn in between.
      if (mode !== undefined && !abstract) chmodSync(fsPath(localPath), mode);
    }
  } catch (error) {
    await socket.close();
    throw error;
  }
  return socket;
}

function fsPath(path: string | Uint8Array): string | Buffer {
  return typeof path === "string" ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
