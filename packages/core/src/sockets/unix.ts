import { getBackend } from "../backend/registry.ts";
import { ConnectionFailed, UnsupportedError } from "../errors.ts";
import { checkCallOptions, throwIfAborted } from "../internal/abort.ts";
import { checkBacklog, checkMode, checkUnixPath } from "../internal/validate.ts";
import { UNIXSocketListener } from "./socket-listener.ts";
import { UNIXSocketStream } from "./unix-socket-stream.ts";

/**
 * Connects to a Unix stream socket. `path` is a filesystem path, or on Linux an abstract name
 * (`"\0name"` or bytes starting with 0).
 *
 * @throws ConnectionFailed with the runtime's error as `cause` (code `ENOENT` for a missing path,
 *   `ECONNREFUSED` when nobody listens)
 * @example
 * ```ts
 * const stream = await connectUnix("/run/app.sock");
 * ```
 */
export async function connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<UNIXSocketStream> {
  checkUnixPath(path);
  checkCallOptions(options);
  throwIfAborted(options.signal);
  try {
    return new UNIXSocketStream(await getBackend().connectUnix(path, options));
  } catch (error) {
    if (error instanceof UnsupportedError || (options.signal?.aborted && error === options.signal.reason)) throw error;
    throw new ConnectionFailed(`could not connect to ${describePath(path)}: ${String((error as Error)?.message ?? error)}`, {
      cause: error,
    });
  }
}

/** Options of {@link createUnixListener}. */
export interface CreateUnixListenerOptions {
  /** File mode of the socket file, e.g. `0o660`. */
  mode?: number;
  /** Listen queue length: an integer ≥ 0, default 65535 (the OS caps it). */
  backlog?: number;
}

/**
 * Listens on a Unix stream socket. The socket file has `mode` from the moment it exists (it is
 * bound in a private directory next to `path` and hard-linked into place). A socket file already
 * at `path` is replaced only when nothing listens on it (checked by connecting once, so a live
 * server sees one connection that ends at once); a live one, or any other kind of file, fails
 * with `EADDRINUSE` and is left alone. `aclose()` removes the file only while `path` still names
 * the one this listener made.
 *
 * @throws RangeError for a path of 108 bytes or more (see `UNIX_PATH_MAX_BYTES`), a bad `mode`
 *   or `backlog`
 *
 * @example
 * ```ts
 * const listener = await createUnixListener("/tmp/app.sock", { mode: 0o600 });
 * ```
 */
export async function createUnixListener(
  path: string | Uint8Array,
  options: CreateUnixListenerOptions = {},
): Promise<UNIXSocketListener> {
  checkUnixPath(path);
  checkMode(options.mode);
  const backlog = checkBacklog(options.backlog);
  const transport = await getBackend().createUnixListener(path, {
    backlog,
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
  });
  return new UNIXSocketListener(transport);
}

function describePath(path: string | Uint8Array): string {
  const text = typeof path === "string" ? path : new TextDecoder().decode(path);
  return JSON.stringify(text);
}
