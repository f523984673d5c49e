/**
 * Errors the backends make up themselves, for states their runtime reports without an error
 * object (a socket closed locally, a write after the socket went away). They carry a `code` like
 * Node's, Deno's and Bun's own system errors so that core and callers treat both alike.
 * @module
 */

/** An `Error` with Node's `code` / `syscall` fields, as the runtimes' system errors have. */
export interface CodedError extends Error {
  /** The system error code, e.g. `"ECONNREFUSED"`. */
  code: string;
  /** The system call that failed, e.g. `"connect"`. */
  syscall?: string;
}

/**
 * Makes a {@link CodedError}.
 *
 * @example
 * ```ts
 * throw codedError("send ENOTCONN: the socket is not connected", "ENOTCONN", "send");
 * ```
 */
export function codedError(message: string, code: string, syscall?: string): CodedError {
  const error = new Error(message) as CodedError;
  error.code = code;
  if (syscall !== undefined) error.syscall = syscall;
  return error;
}

/**
 * A write on a socket whose sending side is gone without the runtime having reported an error;
 * `detail` says why, in the words that fit the transport.
 *
 * @example
 * ```ts
 * if (socket.writableEnded) return Promise.reject(brokenPipeError());
 * ```
 */
export function brokenPipeError(detail = "the socket is closed"): CodedError {
  return codedError(`write EPIPE: ${detail}`, "EPIPE", "write");
}

/**
 * An operation on a socket or listener that was closed on this side.
 *
 * @example
 * ```ts
 * rejectHandled(acceptor, socketClosedError("listener"));
 * ```
 */
export function socketClosedError(what = "socket"): CodedError {
  return codedError(`the ${what} is closed`, "ERR_SOCKET_CLOSED");
}

/**
 * The `code` of an error, if it has a string one.
 *
 * @example
 * ```ts
 * if (errorCode(error) === "ENOENT") return;
 * ```
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * accept(2) failures that concern one incoming connection, not the listener (see accept(2),
 * "Error handling"): listeners skip them, as the transport contract asks.
 */
const TRANSIENT_ACCEPT_ERRORS: ReadonlySet<string> = new Set([
  "ECONNABORTED",
  "EPROTO",
  "ENOPROTOOPT",
  "EHOSTDOWN",
  "ENONET",
  "EHOSTUNREACH",
  "EOPNOTSUPP",
  "ENETUNREACH",
  "EINTR",
  "EAGAIN",
]);

/**
 * Whether a failed accept concerns only that one connection, so the listener goes on.
 *
 * @example
 * ```ts
 * server.on("error", (error) => { if (isTransientAcceptError(error)) return; fail(error); });
 * ```
 */
export function isTransientAcceptError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_ACCEPT_ERRORS.has(code);
}

/**
 * Errors the kernel queues on a UDP socket when an ICMP message comes back for an earlier send
 * (port or host unreachable, fragmentation needed), or when it is short of memory: they concern
 * one earlier datagram, not the socket, which goes on receiving.
 */
const TRANSIENT_DATAGRAM_ERRORS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EMSGSIZE",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPROTO",
  "ENOBUFS",
  "ENOMEM",
]);

/**
 * Whether an error reported on a datagram socket is about one earlier datagram (an ICMP error,
 * a memory shortage), so the socket goes on receiving.
 *
 * @example
 * ```ts
 * socket.on("error", (error) => { if (isTransientDatagramError(error)) return; fail(error); });
 * ```
 */
export function isTransientDatagramError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_DATAGRAM_ERRORS.has(code);
}
