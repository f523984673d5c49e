/**
 * The few undocumented parts of `node:net` the backends rely on, typed in one place so that a
 * change in Node shows up here and nowhere else. Each use degrades gracefully when the part is
 * missing, as it is in Deno's node:net (no fds).
 * @module
 */
import type { Server, Socket } from "node:net";

/** The libuv handle wrapper behind a `net.Socket` or `net.Server` (`TCPWrap` / `PipeWrap`). */
interface HandleWrap {
  /** The OS file descriptor; -1 where libuv has none (Windows) or the handle is closing. */
  readonly fd?: number;
  /** Starts `uv_close`; `callback` runs once libuv has finished closing the handle. */
  close?(callback?: () => void): void;
}

function handleOf(target: Socket | Server): HandleWrap | undefined {
  return (target as unknown as { _handle?: HandleWrap | null })._handle ?? undefined;
}

/**
 * The OS file descriptor of a socket or server, if the runtime exposes one.
 *
 * @example
 * ```ts
 * fdOf(server); // e.g. 21 while it listens; undefined once closed, and always on Deno
 * ```
 */
export function fdOf(target: Socket | Server): number | undefined {
  const fd = handleOf(target)?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/**
 * Closes a listening server and resolves once its listening fd is released, without waiting for
 * the connections it accepted.
 *
 * `server.close()` closes the listening handle at once, but its `'close'` event waits until every
 * accepted connection has closed too, and those belong to their own streams. So the wait is on
 * the handle's own close callback instead (libuv has closed the fd by the time it runs; for a Unix
 * path it has also unlinked the socket file).
 *
 * @example
 * ```ts
 * await closeServer(server); // the port is free again; accepted connections stay open
 * ```
 */
export function closeServer(server: Server): Promise<void> {
  const handle = handleOf(server);
  const released = new Promise<void>((resolve) => {
    if (handle?.close !== undefined) {
      // A handle closes once: the `close()` that server.close() makes next is a no-op.
      handle.close(() => resolve());
    } else if (server.listening) {
      server.once("close", () => resolve());
    } else {
      resolve();
    }
  });
  server.close();
  return released;
}
