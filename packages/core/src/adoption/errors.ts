import type { AddressFamily } from "../addresses.ts";
import { InvalidSocketError } from "../errors.ts";
import { familyConstantName, typeConstantName, type SocketInfo, type SocketType } from "./socket-info.ts";

/**
 * AnyIO's adoption messages, built in one place so that every entry point words a refusal the
 * same way. Each returns the error; callers throw it.
 */
export const refuse = {
  notSocket: (cause?: unknown): InvalidSocketError =>
    new InvalidSocketError("ENOTSOCK", "the file descriptor does not refer to a socket", withCause(cause)),
  badFd: (fd: number, cause?: unknown): InvalidSocketError =>
    new InvalidSocketError("EBADF", `bad file descriptor: ${fd} is not open`, withCause(cause)),
  closedNative: (): InvalidSocketError =>
    new InvalidSocketError("EBADF", "the socket object has no file descriptor: it is closed (or not bound yet)"),
  unknownFamily: (cause?: unknown): InvalidSocketError =>
    new InvalidSocketError(
      "FAMILY_MISMATCH",
      "address family mismatch: expected AF_INET, AF_INET6 or AF_UNIX, got another family",
      withCause(cause),
    ),
  unknownType: (cause?: unknown): InvalidSocketError =>
    new InvalidSocketError(
      "TYPE_MISMATCH",
      "socket type mismatch: expected SOCK_STREAM or SOCK_DGRAM, got another type",
      withCause(cause),
    ),
  notConnected: (info: SocketInfo): InvalidSocketError =>
    new InvalidSocketError("NOT_CONNECTED", `the socket must be connected${stateHint(info, "client")}`),
  notBound: (info: SocketInfo): InvalidSocketError =>
    new InvalidSocketError("NOT_BOUND", `the socket must be bound to a local address${stateHint(info, "server")}`),
  connected: (info: SocketInfo): InvalidSocketError =>
    new InvalidSocketError("CONNECTED", `the socket must not be connected${stateHint(info, "server")}`),
  family: (expected: readonly AddressFamily[], actual: AddressFamily): InvalidSocketError =>
    new InvalidSocketError(
      "FAMILY_MISMATCH",
      `address family mismatch: expected ${expected.map(familyConstantName).join(" or ")}, got ${familyConstantName(actual)}`,
    ),
  type: (expected: SocketType, actual: SocketType, why = ""): InvalidSocketError =>
    new InvalidSocketError(
      "TYPE_MISMATCH",
      `socket type mismatch: expected ${typeConstantName(expected)}, got ${typeConstantName(actual)}${why}`,
    ),
};

function withCause(cause: unknown): { cause: unknown } | undefined {
  return cause === undefined ? undefined : { cause };
}

/** Says what the socket is instead and which entry point takes it, after AnyIO's bare message. */
function stateHint(info: SocketInfo, wanted: "client" | "server"): string {
  switch (info.state) {
    case "listening":
      return " (it is listening: adopt it with wrapServerSocket or SocketListener.fromSocket)";
    case "connecting":
      return " (its connect is still in progress: wrapClientSocket waits for it)";
    case "connected":
      return wanted === "server" ? " (it is connected: adopt it with wrapClientSocket)" : "";
    case "bound":
      return wanted === "client" ? " (it is bound but has no peer)" : "";
    case "unbound":
      return wanted === "client" ? " (it is neither bound nor connected)" : "";
  }
}
