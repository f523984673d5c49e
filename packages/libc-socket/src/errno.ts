/**
 * A failed libc call as an exception shaped like Node's system errors (`code`, `errno`,
 * `syscall`, and `address`/`port`/`path` where known), so that code handling errors from
 * `node:net` handles these the same way.
 *
 * @module
 */

import { errnoName, type LibcPlatform } from "./constants.ts";
import type { LibcBinder } from "./binder.ts";

/** Where a failed call was aimed, for the message and the error's fields. */
export interface SystemErrorTarget {
  /** The IP address the call was aimed at. */
  address?: string;
  /** The port the call was aimed at. */
  port?: number;
  /** The Unix socket path the call was aimed at. */
  path?: string | Uint8Array;
}

/**
 * A libc call failed. `code` is the errno name (`"ECONNREFUSED"`), `errno` its number NEGATED as
 * Node reports it (`-111` on Linux), `syscall` the function (`"connect"`).
 *
 * @example
 * ```ts
 * try {
 *   await sock.connect(["127.0.0.1", 1]);
 * } catch (e) {
 *   if (e instanceof SystemError && e.code === "ECONNREFUSED") console.log("nobody there");
 * }
 * ```
 */
export class SystemError extends Error {
  /** Symbolic errno name, e.g. `"EBADF"`; `"UNKNOWN"` for a number this package has no name for. */
  readonly code: string;
  /** The errno value negated (Node's convention): `-9` for EBADF on Linux. */
  readonly errno: number;
  /** The libc function that failed. */
  readonly syscall: string;
  /** The IP address the failed call was aimed at, if any. */
  readonly address?: string;
  /** The port the failed call was aimed at, if any. */
  readonly port?: number;
  /** The Unix socket path the failed call was aimed at, if any. */
  readonly path?: string | Uint8Array;

  /** Creates the error as Node's system errors look: `code` (e.g. `"ECONNREFUSED"`), `errno`, `syscall`. */
  constructor(code: string, errno: number, syscall: string, target: SystemErrorTarget = {}) {
    super(`${syscall} ${code}${describe(target)}`);
    this.name = "SystemError";
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (target.address !== undefined) this.address = target.address;
    if (target.port !== undefined) this.port = target.port;
    if (target.path !== undefined) this.path = target.path;
  }
}

function describe(target: SystemErrorTarget): string {
  if (target.path !== undefined) {
    const path = typeof target.path === "string" ? target.path : `<${target.path.length} bytes>`;
    return ` ${path}`;
  }
  if (target.address !== undefined) {
    const host = target.address.includes(":") ? `[${target.address}]` : target.address;
    return target.port !== undefined ? ` ${host}:${target.port}` : ` ${target.address}`;
  }
  return "";
}

/** Builds the {@link SystemError} for errno value `errno` (positive, as C has it). */
export function systemError(platform: LibcPlatform, errno: number, syscall: string, target?: SystemErrorTarget): SystemError {
  return new SystemError(errnoName(platform, errno), -errno, syscall, target);
}

/** Reads the binder's errno right after a failed call and builds the error for it. */
export function lastError(binder: LibcBinder, syscall: string, target?: SystemErrorTarget): SystemError {
  return systemError(binder.platform, binder.errno(), syscall, target);
}
