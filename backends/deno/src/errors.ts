/**
 * Errors the backend makes up itself for states Deno reports without an error object. They carry
 * a Node-style `code` so that core and callers treat them like the runtime's own errors.
 * @module
 */

/** An `Error` with a `code`, as Deno's and Node's system errors have. */
export interface CodedError extends Error {
  code: string;
}

function coded(message: string, code: string): CodedError {
  return Object.assign(new Error(message), { code });
}

/** An operation on a socket or listener that was closed on this side. */
export function socketClosedError(what = "socket"): CodedError {
  return coded(`the ${what} is closed`, "ERR_SOCKET_CLOSED");
}

/** A write after the sending side was shut down. */
export function brokenPipeError(): CodedError {
  return coded("write EPIPE: the sending side is closed", "EPIPE");
}

/** The `code` of an error, if it has a string one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
