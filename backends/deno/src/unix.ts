import type { BackendUNIXListenerOptions, ListenerTransport } from "@portio/core/backend";
import { listenOnUnixPath, toUnixSocketAddress, type UnixSocketFileSystem } from "@portio/core/backend";
import { unixPathToString } from "@portio/node-shared";
import { DenoListenerTransport } from "./listener-transport.ts";
import { libcConnectUnix, type LibcStreamTransport } from "@portio/libc-socket";
import { getDenoBinder } from "./libc-binder.ts";
import { hasFfiPermission, withPermission } from "./permissions.ts";
import { createLibcUnixListener } from "./unix-libc-listener.ts";
import { DenoStreamTransport } from "./stream-transport.ts";

/** Why a path Deno cannot take is refused (abstract names are fine: Deno keeps the NUL on Linux). */
const NOT_UTF8 =
  "the Deno backend cannot use Unix socket paths that are not valid UTF-8 (Deno's socket and file APIs take strings only)";

/** Why a Unix stream made without --allow-ffi cannot pass fds. */
const NO_FFI_NO_FDS =
  "the Deno backend passes file descriptors only over Unix streams it drives through libc: run deno with --allow-ffi " +
  "(Deno's own Unix connections expose no fd)";

/** Why a connection accepted by Deno.listen cannot pass fds. */
const LISTENER_NO_FDS =
  "the Deno backend passes file descriptors only over Unix streams it drives through libc: run deno with --allow-ffi " +
  "(Deno.listen's connections expose no fd)";

/**
 * Connects to a Unix stream socket: a file-system path, or an abstract name (leading NUL).
 * Through libc when the process has `--allow-ffi` (the stream can then pass fds), else with
 * `Deno.connect({ transport: "unix" })`. Deno's errors come through with their codes:
 * `ENOENT` for a missing path, `ECONNREFUSED` for a socket nobody listens on. Needs
 * `--allow-read` and `--allow-write` for the path.
 *
 * @throws UnsupportedError for a path that is not valid UTF-8
 * @example
 * ```ts
 * const transport = await connectUnix("/run/app.sock", {});
 * ```
 */
export async function connectUnix(
  path: string | Uint8Array,
  options: { signal?: AbortSignal } = {},
): Promise<DenoStreamTransport | LibcStreamTransport> {
  const { signal } = options;
  const target = unixPathToString(path, NOT_UTF8);
  signal?.throwIfAborted();
  // With --allow-ffi, through libc: Deno exposes no fd for its own connections, so only a libc
  // stream can pass fds (see LibcStreamTransport).
  if (hasFfiPermission()) {
    return withPermission("Unix socket paths", "--allow-write", () =>
      libcConnectUnix(getDenoBinder(), target, signal, toUnixSocketAddress(target)),
    );
  }
  // A Unix connect completes at once or fails: no signal to pass down.
  const conn = await withPermission("Unix socket paths", "--allow-write", () =>
    Deno.connect({ transport: "unix", path: target }),
  );
  if (signal?.aborted) {
    conn.close();
    throw signal.reason;
  }
  return new DenoStreamTransport(conn, {
    family: "unix",
    localAddress: "",
    remoteAddress: toUnixSocketAddress(target),
    fdPassingUnsupported: NO_FFI_NO_FDS,
  });
}

/**
 * Listens on a Unix stream socket: through libc when the process has `--allow-ffi` (accepted
 * connections can then pass fds), else with `Deno.listen({ transport: "unix" })`. A file-system
 * path gets its socket file through core's `listenOnUnixPath` (over Deno's file calls): it has its final `mode`
 * from the moment it exists, a stale socket file is replaced, a live one or any other kind of
 * file is `EADDRINUSE`; on close the file is removed only if it is still the one this listener
 * made. Needs `--allow-read` and `--allow-write` for the path's directory (the socket is first
 * bound in a private directory there).
 *
 * Deno takes no backlog for Unix listeners (it uses its default of 511 there).
 *
 * @throws UnsupportedError for a path that is not valid UTF-8
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { backlog: 128, mode: 0o600 });
 * ```
 */
export async function createUnixListener(
  path: string | Uint8Array,
  options: BackendUNIXListenerOptions,
): Promise<ListenerTransport> {
  const target = unixPathToString(path, NOT_UTF8);
  const localAddress = toUnixSocketAddress(target);
  // With --allow-ffi through libc, so that accepted connections can pass fds (Deno.listen's have no fd).
  const viaLibc = hasFfiPermission();
  const listenAt = (bindPath: string, onClosed: () => Promise<void>): ListenerTransport => {
    if (viaLibc) return createLibcUnixListener(bindPath, options.backlog, localAddress, onClosed);
    const listener = Deno.listen({ transport: "unix", path: bindPath });
    return new DenoListenerTransport(listener, {
      family: "unix",
      localAddress,
      // Clients usually connect from an unbound socket, which has no name.
      wrap: (conn) =>
        new DenoStreamTransport(conn, { family: "unix", localAddress, remoteAddress: "", fdPassingUnsupported: LISTENER_NO_FDS }),
      onClosed,
    });
  };
  return withPermission("Unix socket paths", "--allow-write", () =>
    listenOnUnixPath(target, denoUnixSocketFiles, {
      mode: options.mode,
      bind: listenAt,
      close: (transport) => transport.close(),
    }),
  );
}

/** Core's Unix listener file policy over Deno's own file and connect calls (errors keep their OS `code`). */
const denoUnixSocketFiles: UnixSocketFileSystem = {
  mkdir: (path, mode) => Deno.mkdirSync(path, { mode }),
  rmdir: (path) => Deno.removeSync(path),
  lstat(path) {
    const info = Deno.lstatSync(path);
    // Deno reports no inode only on Windows, which has no such listeners: NaN matches nothing.
    return { dev: info.dev, ino: info.ino ?? Number.NaN, isSocket: info.isSocket === true };
  },
  chmod: (path, mode) => Deno.chmodSync(path, mode),
  link: (existingPath, newPath) => Deno.linkSync(existingPath, newPath),
  unlink: (path) => Deno.removeSync(path),
  async probeConnect(path) {
    (await Deno.connect({ transport: "unix", path })).close();
  },
};
