/** An address family as portio names it. */
export type AddressFamily = "inet" | "inet6" | "unix";

/** An IP endpoint: `[host, port]`, the host being a numeric IPv4 or IPv6 address. */
export type IPSocketAddress = readonly [host: string, port: number];

/**
 * A Unix socket address: a filesystem path as a string, or a `Uint8Array` for abstract names
 * (Linux, leading NUL byte) and paths that are not valid UTF-8. An unnamed socket's address is `""`.
 */
export type UNIXSocketAddress = string | Uint8Array;

/** Any socket address portio reports. */
export type SocketAddress = IPSocketAddress | UNIXSocketAddress;

const utf8 = new TextEncoder();

/**
 * Canonical form of a Unix address for reporting: abstract names (leading NUL) become bytes,
 * everything else stays as given.
 */
export function toUnixSocketAddress(path: string | Uint8Array): UNIXSocketAddress {
  if (typeof path === "string" && path.startsWith("\0")) return utf8.encode(path);
  return path;
}

/** True for a Linux abstract-namespace name (leading NUL byte), in either form. */
export function isAbstractUnixPath(path: string | Uint8Array): boolean {
  return typeof path === "string" ? path.startsWith("\0") : path[0] === 0;
}

/**
 * Size of `sun_path` in `struct sockaddr_un` on Linux: a path must be shorter (its terminating NUL
 * takes the last byte); an abstract name, which has no terminator, may fill it (the leading NUL
 * and up to 107 bytes of name). Longer names are refused with a `RangeError` before any runtime
 * sees them (some runtimes cut them silently).
 *
 * @example
 * ```ts
 * new TextEncoder().encode(path).length < UNIX_PATH_MAX_BYTES; // true for a path that fits
 * ```
 */
export const UNIX_PATH_MAX_BYTES = 108;

/**
 * Refuses a Unix socket name that does not fit in `sun_path` ({@link UNIX_PATH_MAX_BYTES}).
 *
 * @throws RangeError saying how long the name is and what fits
 */
export function checkUnixPathLength(path: string | Uint8Array, name = "path"): void {
  const bytes = typeof path === "string" ? utf8.encode(path).length : path.length;
  if (isAbstractUnixPath(path)) {
    if (bytes > UNIX_PATH_MAX_BYTES) {
      throw new RangeError(
        `${name} is an abstract Unix socket name of ${bytes - 1} bytes after its leading NUL; at most ${UNIX_PATH_MAX_BYTES - 1} fit in a socket address`,
      );
    }
  } else if (bytes >= UNIX_PATH_MAX_BYTES) {
    throw new RangeError(
      `${name} is ${bytes} bytes long; a Unix socket path must be shorter than ${UNIX_PATH_MAX_BYTES} bytes (the socket address holds ${UNIX_PATH_MAX_BYTES - 1} bytes and a terminating NUL)`,
    );
  }
}
