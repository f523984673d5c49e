/**
 * Errors the backend makes up itself, for states Bun reports without an error object (a socket
 * closed locally, a write after the socket went away, `write()` returning -1). They carry a `code`
 * like the runtime's own errors so that core and callers can treat both alike.
 * @module
 */

/** An `Error` with Node's `code` / `syscall` fields, as Bun's own socket errors have. */
export interface CodedError extends Error {
  code: string;
  syscall?: string;
}

/** Makes a {@link CodedError}. */
export function codedError(message: string, code: string, syscall?: string): CodedError {
  const error = new Error(message) as CodedError;
  error.code = code;
  if (syscall !== undefined) error.syscall = syscall;
  return error;
}

/** A write on a socket whose sending side is gone without Bun having reported an error. */
export function brokenPipeError(): CodedError {
  return codedError("write EPIPE: the socket is closed", "EPIPE", "write");
}

/** An operation on a socket or listener that was closed on this side. */
export function socketClosedError(what = "socket"): CodedError {
  return codedError(`the ${what} is closed`, "ERR_SOCKET_CLOSED");
}
