/**
 * `struct sockaddr` encoding and decoding for AF_INET, AF_INET6 and AF_UNIX, in both the Linux
 * layout (two-byte host-order family) and the BSD/macOS one (`sa_len` byte, then a one-byte
 * family). Decoded addresses have portio's shapes: an IP address is `[host, port]` with a numeric
 * host (IPv6 in RFC 5952 form, `%<scope id>` appended when the scope id is not 0); a Unix address
 * is its path as a string, or a `Uint8Array` for an abstract name (leading NUL byte, Linux) or a
 * path that is not valid UTF-8, and `""` for an unnamed socket.
 *
 * @example
 * ```ts
 * const sa = encodeIpSockaddr(LINUX, "inet6", "fe80::1%2", 80);
 * decodeSockaddr(LINUX, sa, sa.length); // { family: "inet6", address: ["fe80::1%2", 80], flowinfo: 0, scopeId: 2 }
 * ```
 * @module
 */

import type { IPSocketAddress, UNIXSocketAddress } from "@portio/core";
import type { SocketConstants } from "./constants.ts";

/** A decoded socket address with its family (and, for IPv6, the fields that are not in the text). */
export type DecodedSockaddr =
  | { family: "inet"; address: IPSocketAddress }
  | { family: "inet6"; address: IPSocketAddress; flowinfo: number; scopeId: number }
  | { family: "unix"; address: UNIXSocketAddress };

/** The families portio handles. */
export type SockaddrFamily = DecodedSockaddr["family"];

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as part of the name instead of silently dropping it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** All supported ABIs are little-endian (constants.ts); host-order fields are written so. */
const HOST_LE = true;

// ---------------------------------------------------------------------------------------------
// numeric address text

/** Parses a dotted-quad IPv4 address (no shorthand forms), or returns `undefined`. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // Leading zeros are refused: inet_pton refuses them, and some parsers read them as octal.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

/**
 * Parses an IPv6 address, optionally with a zone (`fe80::1%eth0`, `fe80::1%2`) and an embedded
 * IPv4 tail (`::ffff:1.2.3.4`). Returns the 16 bytes and the zone text, or `undefined`.
 */
export function parseIPv6(text: string): { bytes: Uint8Array; zone: string | undefined } | undefined {
  let zone: string | undefined;
  const percent = text.indexOf("%");
  if (percent !== -1) {
    zone = text.slice(percent + 1);
    text = text.slice(0, percent);
    if (zone === "") return undefined;
  }
  const gap = text.indexOf("::");
  if (gap !== -1 && text.indexOf("::", gap + 1) !== -1) return undefined;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const headWords = parseGroups(head, gap === -1);
  const tailWords = parseGroups(tail, true);
  if (headWords === undefined || tailWords === undefined) return undefined;
  const count = headWords.length + tailWords.length;
  if (gap === -1 ? count !== 8 : count > 7) return undefined;
  const words = [...headWords, ...new Array<number>(8 - count).fill(0), ...tailWords];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return { bytes, zone };
}

function parseGroups(text: string, ipv4TailAllowed: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (ipv4TailAllowed && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      words.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

/** Formats 4 bytes as dotted quad. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/**
 * Formats 16 bytes as RFC 5952 text: lowercase hex without leading zeros, the longest run of two
 * or more zero groups (the first of equal runs) written `::`, and the mixed notation for
 * IPv4-mapped (`::ffff:1.2.3.4`) and IPv4-translated (`::ffff:0:1.2.3.4`) addresses, the only
 * kinds recognisable from the address alone (RFC 5952 §5).
 */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  const v4 = (): string => formatIPv4(bytes.subarray(12, 16));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return `::ffff:${v4()}`;
  if (words.slice(0, 4).every((w) => w === 0) && words[4] === 0xffff && words[5] === 0) return `::ffff:0:${v4()}`;

  let bestStart = -1;
  let bestLength = 1; // a lone zero group is never compressed
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    words
      .slice(from, to)
      .map((w) => w.toString(16))
      .join(":");
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

// ---------------------------------------------------------------------------------------------
// encoding

function writeFamily(C: SocketConstants, view: DataView, family: number, length: number): void {
  if (C.HAS_SA_LEN) {
    view.setUint8(0, length);
    view.setUint8(1, family);
  } else {
    view.setUint16(0, family, HOST_LE);
  }
}

/** `sa_family` of an encoded sockaddr. */
export function sockaddrFamily(C: SocketConstants, sa: Uint8Array): number {
  return C.HAS_SA_LEN ? sa[1]! : sa[0]! | (sa[1]! << 8);
}

/** Options for IPv6 sockaddrs. */
export interface Inet6Options {
  /** The IPv6 flow label field (`sin6_flowinfo`). */
  flowinfo?: number;
  /** Overrides a zone given in the host text. */
  scopeId?: number;
  /** Turns a zone name (`eth0`) into an interface index; 0 means unknown. */
  zoneToIndex?: (zone: string) => number;
}

/**
 * Encodes `[host, port]` for a socket of `family`. An IPv4 host on an `"inet6"` socket becomes
 * its IPv4-mapped address (`::ffff:a.b.c.d`), as dual-stack sockets expect. Throws a `TypeError`
 * for a host that is not a numeric address of a fitting family, or an unknown zone.
 */
export function encodeIpSockaddr(
  C: SocketConstants,
  family: "inet" | "inet6",
  host: string,
  port: number,
  options: Inet6Options = {},
): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  }
  if (family === "inet") {
    const v4 = parseIPv4(host);
    if (v4 === undefined) throw new TypeError(`not a numeric IPv4 address: ${JSON.stringify(host)}`);
    const sa = new Uint8Array(C.SOCKADDR_IN_SIZE);
    const view = new DataView(sa.buffer);
    writeFamily(C, view, C.AF_INET, sa.length);
    view.setUint16(2, port, false);
    sa.set(v4, 4);
    return sa;
  }
  let bytes: Uint8Array;
  let scopeId = 0;
  const v4 = parseIPv4(host);
  if (v4 !== undefined) {
    bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4, 12);
  } else {
    const v6 = parseIPv6(host);
    if (v6 === undefined) throw new TypeError(`not a numeric IP address: ${JSON.stringify(host)}`);
    bytes = v6.bytes;
    if (v6.zone !== undefined) scopeId = zoneIndex(v6.zone, options.zoneToIndex);
  }
  if (options.scopeId !== undefined) scopeId = options.scopeId;
  const sa = new Uint8Array(C.SOCKADDR_IN6_SIZE);
  const view = new DataView(sa.buffer);
  writeFamily(C, view, C.AF_INET6, sa.length);
  view.setUint16(2, port, false);
  view.setUint32(4, options.flowinfo ?? 0, false); // network order, like the port
  sa.set(bytes, 8);
  view.setUint32(24, scopeId, HOST_LE);
  return sa;
}

function zoneIndex(zone: string, zoneToIndex: ((zone: string) => number) | undefined): number {
  if (/^\d+$/.test(zone)) return Number(zone);
  const index = zoneToIndex?.(zone) ?? 0;
  if (index === 0) throw new TypeError(`unknown IPv6 zone (interface): ${JSON.stringify(zone)}`);
  return index;
}

/**
 * Encodes a Unix socket address. A string is a filesystem path, or an abstract name when it
 * starts with `"\0"`; bytes are taken as they are (abstract when the first byte is 0). `""` gives
 * just the family, which makes `bind` autobind (Linux). The result's length is the `addrlen`
 * to pass: abstract names are length-delimited, paths NUL-terminated. Throws a `RangeError` for
 * a path that does not fit `sun_path`, contains a NUL, or is abstract on a platform without
 * abstract names.
 */
export function encodeUnixSockaddr(C: SocketConstants, path: string | Uint8Array): Uint8Array {
  const bytes = typeof path === "string" ? utf8.encode(path) : path;
  const capacity = C.SOCKADDR_UN_SIZE - C.SUN_PATH_OFFSET;
  const abstract = bytes.length > 0 && bytes[0] === 0;
  if (abstract && C.platform !== "linux") {
    throw new RangeError(`abstract unix socket names exist only on Linux, not on ${C.platform}`);
  }
  if (!abstract && bytes.includes(0)) throw new RangeError("unix socket path must not contain NUL bytes");
  // A path needs its terminating NUL inside sun_path; an abstract name is counted by addrlen.
  const max = abstract ? capacity : capacity - 1;
  if (bytes.length > max) {
    throw new RangeError(`unix socket path too long: ${bytes.length} bytes, at most ${max} fit on ${C.platform}`);
  }
  const length = C.SUN_PATH_OFFSET + bytes.length + (abstract || bytes.length === 0 ? 0 : 1);
  const sa = new Uint8Array(length);
  writeFamily(C, new DataView(sa.buffer), C.AF_UNIX, length);
  sa.set(bytes, C.SUN_PATH_OFFSET);
  return sa;
}

// ---------------------------------------------------------------------------------------------
// decoding

/**
 * Decodes the first `length` bytes of `sa` (the `addrlen` the kernel returned). Throws a
 * `RangeError` for a family other than AF_INET, AF_INET6 and AF_UNIX.
 */
export function decodeSockaddr(C: SocketConstants, sa: Uint8Array, length: number): DecodedSockaddr {
  length = Math.min(length, sa.length);
  const view = new DataView(sa.buffer, sa.byteOffset, sa.byteLength);
  // An unnamed Unix socket may come back with addrlen 0 (macOS) or with only the family (Linux).
  if (length < 2) return { family: "unix", address: "" };
  const family = sockaddrFamily(C, sa);
  if (family === C.AF_INET && length >= 8) {
    return { family: "inet", address: [formatIPv4(sa.subarray(4, 8)), view.getUint16(2, false)] };
  }
  if (family === C.AF_INET6 && length >= 24) {
    const scopeId = length >= 28 ? view.getUint32(24, HOST_LE) : 0;
    const host = formatIPv6(sa.subarray(8, 24)) + (scopeId !== 0 ? `%${scopeId}` : "");
    return { family: "inet6", address: [host, view.getUint16(2, false)], flowinfo: view.getUint32(4, false), scopeId };
  }
  if (family === C.AF_UNIX) return { family: "unix", address: decodeUnixPath(C, sa, length) };
  throw new RangeError(`unsupported address family ${family}`);
}

function decodeUnixPath(C: SocketConstants, sa: Uint8Array, length: number): UNIXSocketAddress {
  const raw = sa.subarray(C.SUN_PATH_OFFSET, length);
  if (raw.length === 0) return "";
  if (raw[0] === 0) {
    // Linux abstract name: every byte up to addrlen counts, NULs included. macOS has no abstract
    // namespace and reports an unnamed socket as a zero-filled sun_path.
    return C.platform === "linux" ? raw.slice() : "";
  }
  const end = raw.indexOf(0);
  const path = end === -1 ? raw : raw.subarray(0, end);
  try {
    return strictUtf8.decode(path);
  } catch {
    return path.slice();
  }
}
