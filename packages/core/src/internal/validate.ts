import { checkUnixPathLength } from "../addresses.js";

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

export function checkFamily(family: unknown): "inet" | "inet6" | "unspec" {
  if (family !== "inet" && family !== "inet6" && family !== "unspec") {
    throw new TypeError(`family must be "inet", "inet6" or "unspec", got ${String(family)}`);
  }
  return family;
}
