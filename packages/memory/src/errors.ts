import { UnsupportedError } from "@portio/core";

/** An OS-style error: what a real socket call would have failed with, `code` included. */
export interface NetworkError extends Error {
  code: string;
}

/** `new Error(message)` with the errno-style `code` that core and users look at. */
export function networkError(code: string, message: string): NetworkError {
  const error = new Error(`${code}: ${message}`) as NetworkError;
  error.code = code;
  return error;
}

/** What a transport's pending call rejects with when the transport is closed under it (core reports ClosedResourceError). */
export function closedError(): NetworkError {
  return networkError("ERR_SOCKET_CLOSED", "the socket was closed");
}

/** Adoption needs a real fd; the memory network has none. */
export function noFileDescriptors(what: string): UnsupportedError {
  return new UnsupportedError(
    `${what}: the memory backend has no file descriptors, so it cannot adopt or inspect OS sockets. ` +
      "Create the sockets on the memory network instead (connectTcp, createTcpListener, createUnixListener, " +
      "createUdpSocket, socketpair), or test adoption against a runtime backend (@portio/node, @portio/deno, @portio/bun)",
  );
}
