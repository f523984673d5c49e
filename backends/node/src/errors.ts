/**
 * Errors the backend makes up itself, for states Node reports without an error object (a socket
 * closed locally, a write after the socket went away). They carry a `code` like Node's own errors
 * so that core and callers can treat both alike.
 * @module
 */

/** An `Error` with Node's `code` / `syscall` fields. */
export interface NodeStyleError extends Error {
  code: string;
  syscall?: string;
}

function nodeStyleError(message: string, code: string, syscall?: string): NodeStyleError {
  const error = new Error(message) as NodeStyleError;
  error.code = code;
  if (syscall !== undefined) error.syscall = syscall;
  return error;
}

/** A write on a socket whose sending side is gone without the socket having reported an error. */
export function brokenPipeError(): NodeStyleError {
  return nodeStyleError("write EPIPE: the socket is closed", "EPIPE", "write");
}

/** An operation on a socket or listener that was closed on this side. */
export function socketClosedError(what = "socket"): NodeStyleError {
  return nodeStyleError(`the ${what} is closed`, "ERR_SOCKET_CLOSED");
}
