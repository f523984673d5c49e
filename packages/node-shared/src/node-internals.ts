/**
 * The few undocumented parts of `node:net` the backends rely on, typed in one place so that a
 * change in Node shows up here and nowhere else. Each use degrades gracefully when the part is
 * missing, as it is in Deno's node:net (no fds).
 * @module
 */
import type { Server, Socket } from "node:net";
import os from "node:os";
import process from "node:process";

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

/** A libuv stream handle as Node's JS sees it (`TCPWrap`, `TLSWrap`, ...). */
interface StreamHandle {
  /** `uv_read_start`'s result: 0, or a negative errno (`-EALREADY` while the stream already reads). */
  readStart(): number;
  readStop(): number;
  /** Node's own flag for "reading was asked for" (net.js keeps it). */
  reading?: boolean;
  /** On a `TLSWrap`: the handle it runs over (the socket's `TCPWrap`). */
  _parent?: StreamHandle;
}

/** libuv's answer to `uv_read_start` on a stream that is reading already. */
const UV_EALREADY = -(os.constants.errno.EALREADY ?? 114);

/**
 * Whether {@link watchNativeTlsEnd} works here: Node itself (not a runtime's node:net), with a libuv
 * handle under the socket. Asked before TLS is put on the socket.
 *
 * @example
 * ```ts
 * if (nativeTlsEndObservable(netSocket)) tls.connect({ socket: netSocket, ... });
 * ```
 */
export function nativeTlsEndObservable(socket: Socket): boolean {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun !== undefined || versions.deno !== undefined) return false;
  const handle = handleOf(socket) as Partial<StreamHandle> | undefined;
  return typeof handle?.readStart === "function" && typeof handle.readStop === "function";
}

/**
 * Whether node:tls may run natively on a node:net socket here. Not on Deno: its node:tls over a
 * socket handle keeps reading and decrypting while the TLS socket is paused, holds the plaintext
 * and the peer's close_notify for `resume()`, and drops that close_notify when the held plaintext
 * fills the socket (Deno 2.9, TLSWrap `read_start`): a reader that fell behind would never see
 * the end of the stream. The portable path (a pump that feeds the engine only while the reader
 * keeps up) has no such gap.
 *
 * @example
 * ```ts
 * if (nativeTlsOnSocketSupported()) tls.connect({ socket: netSocket, servername: "localhost" });
 * ```
 */
export function nativeTlsOnSocketSupported(): boolean {
  return (process.versions as Record<string, string | undefined>).deno === undefined;
}

/**
 * For a `node:tls` session running natively on a socket (Node's TLSWrap over the TCP handle):
 * tells, at the moment the TLS socket ends, whether the TCP stream ended first (a ragged EOF) or the
 * peer's close_notify ended it. Node reports both as the same end of stream.
 *
 * How: TLSWrap ends its stream either from the TCP handle's own end of stream, which libuv reports
 * after clearing the handle's "reading" state, or while processing a close_notify that arrived
 * with data, when the TCP handle is still reading if anybody asked it to. So at the end, a TCP
 * handle that was asked to read (tracked on the TLS handle, through which every request goes)
 * and is not reading any more has reached its own end: `uv_read_start` then succeeds (and is
 * undone) instead of answering `EALREADY`. A handle nobody asked to read cannot have delivered an
 * end: that is a close_notify.
 *
 * Returns `transportEndedFirst`, to be called when the TLS socket pushes its end, or `undefined`
 * when the socket does not have the handles this relies on.
 *
 * @example
 * ```ts
 * const endedFirst = watchNativeTlsEnd(tlsSocket);
 * // when tlsSocket pushes null: endedFirst?.() → true for a ragged EOF
 * ```
 */
export function watchNativeTlsEnd(socket: Socket): (() => boolean) | undefined {
  const tlsHandle = handleOf(socket) as StreamHandle | undefined;
  const tcpHandle = tlsHandle?._parent;
  if (tlsHandle === undefined || typeof tcpHandle?.readStart !== "function" || typeof tcpHandle.readStop !== "function")
    return undefined;
  let asked = tlsHandle.reading === true;
  const readStart = tlsHandle.readStart;
  const readStop = tlsHandle.readStop;
  tlsHandle.readStart = function (this: StreamHandle): number {
    asked = true;
    return readStart.call(this);
  };
  tlsHandle.readStop = function (this: StreamHandle): number {
    asked = false;
    return readStop.call(this);
  };
  return () => {
    if (!asked) return false;
    const result = tcpHandle.readStart();
    if (result === UV_EALREADY) return false;
    // The probe restarted a stream that had ended: stop it again (TLSWrap ignores what it reads).
    if (result === 0) tcpHandle.readStop();
    return true;
  };
}

/** The `onread` option's parts as a `net.Socket` keeps them (symbol keys of lib/internal/stream_base_commons.js). */
const READ_CALLBACK_KEYS = ["kBuffer", "kBufferGen", "kBufferCb"] as const;

/**
 * The symbols found on the first socket: net.js makes them once per process, so every socket
 * has the same ones. Searching each accepted socket's own symbols cost a server about 2 µs of
 * CPU per connection (an array of its symbols, then a search per key).
 */
let readCallbackKeys: readonly [symbol, symbol, symbol] | undefined;

/** `socket`'s symbol keys for the `onread` parts, if it has them all. */
function readCallbackKeysOf(socket: Socket): readonly [symbol, symbol, symbol] | undefined {
  const known = readCallbackKeys;
  if (known !== undefined) {
    const [a, b, c] = known;
    return Object.hasOwn(socket, a) && Object.hasOwn(socket, b) && Object.hasOwn(socket, c) ? known : undefined;
  }
  const owned = Object.getOwnPropertySymbols(socket);
  const keys = READ_CALLBACK_KEYS.map((name) => owned.find((key) => key.description === name));
  if (keys.some((key) => key === undefined)) return undefined;
  readCallbackKeys = keys as unknown as [symbol, symbol, symbol];
  return readCallbackKeys;
}

/**
 * Gives an existing `net.Socket` what net's `onread` option gives a socket at creation: its
 * handle reads into `onread.buffer()` and hands each read to `onread.callback` instead of the
 * Readable machinery. For sockets Node creates itself, which take no options from us: a
 * `net.Server`'s accepted connections and node:tls's sockets over an existing socket. Node keeps
 * the option in three symbol-keyed fields of the socket (set to `null` by its constructor) and
 * hands the buffer to the handle (`useUserBuffer`), which is all the option does at creation.
 *
 * Returns false, changing nothing, where the socket does not have those parts (Bun, Deno, a Node
 * that changed them) or has bytes buffered already, which the callback would then come after.
 * Call it before the socket reads (a paused accepted socket) or between reads, never from one.
 *
 * @example
 * ```ts
 * server.on("connection", (socket) => {
 *   if (!useReadCallback(socket, { buffer: () => buf, callback: (n, b) => true })) socket.on("data", onData);
 * });
 * ```
 */
export function useReadCallback(
  socket: Socket,
  onread: { buffer: () => Uint8Array; callback: (length: number, buffer: Uint8Array) => boolean },
): boolean {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun !== undefined || versions.deno !== undefined) return false;
  const handle = handleOf(socket) as { useUserBuffer?: (buffer: Uint8Array) => void } | undefined;
  if (typeof handle?.useUserBuffer !== "function" || socket.readableLength > 0) return false;
  const keys = readCallbackKeysOf(socket);
  if (keys === undefined) return false;
  const [bufferKey, generatorKey, callbackKey] = keys;
  const fields = socket as unknown as Record<symbol, unknown>;
  // Already reading through a callback (created with onread): nothing to add.
  if (fields[bufferKey!] !== null) return false;
  const buffer = onread.buffer();
  fields[bufferKey!] = buffer;
  fields[generatorKey!] = onread.buffer;
  fields[callbackKey!] = onread.callback;
  handle.useUserBuffer(buffer);
  return true;
}
