import type { AddressFamily } from "../addresses.ts";
import type { AdoptionSource, AsyncBackend } from "../backend/backend.ts";
import { getBackend } from "../backend/registry.ts";
import { PortioError } from "../errors.ts";
import { refuse } from "./errors.ts";
import type { SocketInfo, SocketType } from "./socket-info.ts";

/** What the adoption entry points accept: an fd, or a socket object of the runtime's own. */
export type SocketLike = number | object;

/** The largest fd number accepted (an `int` in C). */
const MAX_FD = 2 ** 31 - 1;

/** A validated argument, its backend and what the socket is. */
export interface Inspected {
  backend: AsyncBackend;
  source: AdoptionSource;
  info: SocketInfo;
}

/** What a target class needs of a socket; checked in AnyIO's order: state, family, type. */
export interface Requirement {
  /** `"connected"`: has a peer. `"bound"`: has a local name (listening and connected sockets do). */
  state?: "connected" | "bound";
  families?: readonly AddressFamily[];
  type: SocketType;
  /** Listeners: a connected stream socket is refused with `CONNECTED` once family and type are fine. */
  notConnected?: boolean;
}

export const IP_FAMILIES: readonly AddressFamily[] = ["inet", "inet6"];
export const UNIX_FAMILY: readonly AddressFamily[] = ["unix"];

/**
 * Step 1 of adoption: the argument must be an fd (an integer from 0 to 2**31-1) or a socket
 * object the backend recognises; anything else is a TypeError worded as AnyIO's.
 */
export function toSource(backend: AsyncBackend, value: unknown): AdoptionSource {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value <= MAX_FD) return { fd: value };
    throw new TypeError(
      `expected an int or socket, got number ${String(value)} instead (an fd is an integer from 0 to ${MAX_FD})`,
    );
  }
  if (typeof value === "object" && value !== null) {
    const fd = backend.nativeSocketFd(value);
    if (fd === null) throw refuse.closedNative();
    if (fd !== undefined) return { fd, native: value };
  }
  throw new TypeError(`expected an int or socket, got ${typeName(value)} instead`);
}

/** Step 2: asks the backend what the fd is; "not a socket" and "not open" become InvalidSocketError. */
export async function inspectFd(backend: AsyncBackend, fd: number): Promise<SocketInfo> {
  try {
    return await backend.inspectSocket(fd);
  } catch (error) {
    throw mapInspectError(error, fd);
  }
}

/** Steps 1 and 2 together, on the registered backend. */
export async function inspectArgument(value: unknown): Promise<Inspected> {
  const backend = getBackend();
  const source = toSource(backend, value);
  return { backend, source, info: await inspectFd(backend, source.fd) };
}

/** Steps 3 to 5: state, family, type, in that order. Throws the first refusal. */
export function check(info: SocketInfo, requirement: Requirement): void {
  if (requirement.state === "connected" && info.state !== "connected") throw refuse.notConnected(info);
  if (requirement.state === "bound" && info.state === "unbound") throw refuse.notBound(info);
  if (requirement.families !== undefined && !requirement.families.includes(info.family)) {
    throw refuse.family(requirement.families, info.family);
  }
  if (info.type !== requirement.type) throw refuse.type(requirement.type, info.type);
  if (requirement.notConnected && (info.state === "connected" || info.state === "connecting")) throw refuse.connected(info);
}

function mapInspectError(error: unknown, fd: number): unknown {
  if (error instanceof PortioError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOTSOCK") return refuse.notSocket(error);
  if (code === "EBADF") return refuse.badFd(fd, error);
  // A socket of a family or type portio has no class for (AF_NETLINK, SOCK_SEQPACKET, ...).
  if (code === "EAFNOSUPPORT") return refuse.unknownFamily(error);
  if (code === "ESOCKTNOSUPPORT") return refuse.unknownType(error);
  return error;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object" || typeof value === "function") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? name : "object";
  }
  return typeof value;
}
