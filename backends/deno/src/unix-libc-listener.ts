/**
 * Deno's Unix listeners when the process has `--allow-ffi`: made and accepted through libc.
 * `Deno.listen` hands out connections without their fds, and a Unix stream without its fd cannot
 * pass fds; accepting through libc gives every connection a `LibcStreamTransport` that can.
 *
 * @module
 */

import type { ListenerTransport, SocketAddress, StreamTransport } from "@portio/core";
import { LibcSocket } from "@portio/libc-socket";
import { AdoptedListenerTransport } from "./adopt-listener.ts";
import { getDenoBinder } from "./libc-binder.ts";
import { withPermissionSync } from "./permissions.ts";

/**
 * Binds and listens on `target` (a path or an abstract name). `mode` is set between bind and
 * listen, so no client can connect before the socket file has its final mode. Closing removes
 * the socket file, as `Deno.listen`'s listeners do, but only if it is still the one bound here
 * (same device and inode).
 *
 * @example
 * ```ts
 * const listener = createLibcUnixListener("/tmp/app.sock", false, { backlog: 511, mode: 0o600 }, "/tmp/app.sock");
 * ```
 */
export function createLibcUnixListener(
  target: string,
  abstract: boolean,
  options: { backlog: number; mode?: number },
  localAddress: SocketAddress,
): ListenerTransport {
  const socket = LibcSocket.create(getDenoBinder(), "unix", "stream");
  let identity: { dev: number; ino: number | null } | undefined;
  try {
    // libc calls are not checked by Deno's permissions: ask for what Deno.listen would need, so
    // that the flags a program needs stay the same with and without --allow-ffi.
    if (!abstract && Deno.permissions.querySync({ name: "write", path: target }).state !== "granted") {
      throw new Deno.errors.NotCapable(`portio's Deno backend needs --allow-write for Unix socket paths; run deno with --allow-write`);
    }
    socket.bind(target);
    if (!abstract) {
      const stat = Deno.lstatSync(target);
      identity = { dev: stat.dev, ino: stat.ino };
      if (options.mode !== undefined) {
        const mode = options.mode;
        withPermissionSync("setting a Unix socket's mode", "--allow-write", () => Deno.chmodSync(target, mode));
      }
    }
    socket.listen(options.backlog);
  } catch (error) {
    void socket.close();
    if (identity !== undefined) removeIfSame(target, identity);
    throw error;
  }
  const inner = new AdoptedListenerTransport(socket, "unix", localAddress);
  return {
    family: "unix",
    get fd() {
      return inner.fd;
    },
    localAddress: () => inner.localAddress(),
    accept: (): Promise<StreamTransport> => inner.accept(),
    async close() {
      await inner.close();
      if (identity !== undefined) removeIfSame(target, identity);
    },
  };
}

function removeIfSame(path: string, identity: { dev: number; ino: number | null }): void {
  try {
    const stat = Deno.lstatSync(path);
    if (stat.isSocket && stat.dev === identity.dev && stat.ino === identity.ino) Deno.removeSync(path);
  } catch {
    // Gone already, or not ours to look at: nothing to remove.
  }
}
