/** An address family as portio names it. */
export type AddressFamily = "inet" | "inet6" | "unix";

/** An IP endpoint: `[host, port]`, the host being a numeric IPv4 or IPv6 address. */
export type IPSocketAddress = readonly [host: string, port: number];

/**
 * A Unix socket address: a filesystem path as a string, or a `Uint8Array` for abstract names
 * (Linux, leading NUL byte) and paths that are not valid UTF-8. An unnamed socket's address is `""`.
 */
export type UnixSocketAddress = string | Uint8Array;

/** Any socket address portio reports. */
export type SocketAddress = IPSocketAddress | UnixSocketAddress;

const utf8 = new TextEncoder();

/**
 * Canonical form of a Unix address for reporting: abstract names (leading NUL) become bytes,
 * everything else stays as given.
 */
export function toUnixSocketAddress(path: string | Uint8Array): UnixSocketAddress {
  if (typeof path === "string" && path.startsWith("\0")) return utf8.encode(path);
  return path;
}

/** True for a Linux abstract-namespace name (leading NUL byte), in either form. */
export function isAbstractUnixPath(path: string | Uint8Array): boolean {
  return typeof path === "string" ? path.startsWith("\0") : path[0] === 0;
}
