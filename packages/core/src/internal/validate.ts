import { checkUnixPathLength } from "../addresses.ts";
import { describeValue, hasMethods } from "./abort.ts";

/** Argument checks shared by the public socket functions. Messages are part of the behaviour. */

export function checkPort(port: unknown, name: string, { allowZero }: { allowZero: boolean }): number {
  const min = allowZero ? 0 : 1;
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`${name} must be an integer between ${min} and 65535, got ${String(port)}`);
  }
  return port;
}

export function checkHost(host: unknown, name: string): string {
  if (typeof host !== "string" || host.length === 0) {
    throw new TypeError(`${name} must be a non-empty string, got ${host === "" ? '""' : typeof host}`);
  }
  return host;
}

export function checkUnixPath(path: unknown, name = "path"): string | Uint8Array {
  if (typeof path === "string" ? path.length === 0 : !(path instanceof Uint8Array) || path.length === 0) {
    throw new TypeError(`${name} must be a non-empty string or Uint8Array`);
  }
  checkUnixPathLength(path as string | Uint8Array, name);
  return path as string | Uint8Array;
}

/**
 * A listener's `backlog`: an integer ≥ 0, default 65535; values above 65535 are capped (the OS
 * caps them further), 0 asks for the smallest queue (1).
 */
export function checkBacklog(backlog: unknown): number {
  if (backlog === undefined) return 65535;
  if (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0) {
    throw new RangeError(`backlog must be an integer ≥ 0, got ${describeValue(backlog)}`);
  }
  return Math.min(Math.max(backlog, 1), 65535);
}

/** A Unix socket file's `mode`: an integer from 0 to 0o7777, or `undefined`. */
export function checkMode(mode: unknown): number | undefined {
  if (mode !== undefined && (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
    throw new RangeError(`mode must be an integer file mode such as 0o600, got ${describeValue(mode)}`);
  }
  return mode as number | undefined;
}

export function checkFamily(family: unknown): "inet" | "inet6" | "unspec" {
  if (family !== "inet" && family !== "inet6" && family !== "unspec") {
    throw new TypeError(`family must be "inet", "inet6" or "unspec", got ${String(family)}`);
  }
  return family;
}

/**
 * Checks that `stream` looks like a portio byte stream (`receive`, `send`, `aclose`), so that a
 * wrapper built on it fails at once with a `TypeError` instead of deep inside.
 */
export function checkByteStream(stream: unknown, name: string): void {
  if (!hasMethods(stream, "receive", "send", "aclose")) {
    throw new TypeError(`${name} must be a byte stream (with receive, send and aclose), got ${describeValue(stream)}`);
  }
}
