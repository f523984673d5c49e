/**
 * Unix socket paths as the runtimes' APIs take them: `node:net`, `Deno.connect` / `Deno.listen`
 * and `Bun.connect` / `Bun.listen` want strings, `node:fs` takes any bytes as a Buffer.
 * @module
 */

import { Buffer } from "node:buffer";
import { UnsupportedError } from "@portio/core";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The path as a string, or `undefined` for bytes that are not valid UTF-8. Abstract names keep
 * their leading NUL, which the runtimes pass through on Linux.
 *
 * @example
 * ```ts
 * decodeUnixPath(new TextEncoder().encode("/tmp/app.sock")); // "/tmp/app.sock"
 * decodeUnixPath(new Uint8Array([0x2f, 0xff])); // undefined
 * ```
 */
export function decodeUnixPath(path: string | Uint8Array): string | undefined {
  if (typeof path === "string") return path;
  try {
    return strictUtf8.decode(path);
  } catch {
    return undefined;
  }
}

/**
 * The path as the string a runtime's socket API needs.
 *
 * @param unsupported - the `UnsupportedError` message for bytes that are not valid UTF-8: which
 *   backend refuses them and why (each runtime's reason differs)
 * @throws UnsupportedError for bytes that are not valid UTF-8
 * @example
 * ```ts
 * const target = unixPathToString(path, "the Node backend cannot use ... (node:net takes strings only)");
 * ```
 */
export function unixPathToString(path: string | Uint8Array, unsupported: string): string {
  const decoded = decodeUnixPath(path);
  if (decoded === undefined) throw new UnsupportedError(unsupported);
  return decoded;
}

/**
 * The path for `node:fs`, which takes any bytes (non-UTF-8 names included) as a Buffer.
 *
 * @example
 * ```ts
 * chmodSync(fsPath(localPath), 0o600);
 * ```
 */
export function fsPath(path: string | Uint8Array): string | Buffer {
  return typeof path === "string" ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
