import type { SocketAddress } from "@portio/core";
import { copyOf } from "./bytes.ts";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `"inet"`, `"inet6"`, or `undefined` for anything that is not a numeric address. */
export function familyOf(address: string): "inet" | "inet6" | undefined {
  if (IPV4.test(address)) return "inet";
  return canonicalIPv6(address) === undefined ? undefined : "inet6";
}

function canonicalIPv6(address: string): string | undefined {
  if (!address.includes(":")) return undefined;
  try {
    // The URL parser implements the IPv6 grammar and prints the RFC 5952 form.
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** One spelling per address (`"0:0::1"` → `"::1"`), so that addresses compare as strings. */
export function canonicalAddress(address: string): string {
  if (IPV4.test(address)) return address;
  const v6 = canonicalIPv6(address);
  if (v6 === undefined) throw new TypeError(`not a numeric IPv4 or IPv6 address: ${JSON.stringify(address)}`);
  return v6;
}

export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.");
}

export function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

export function wildcardOf(family: "inet" | "inet6"): string {
  return family === "inet" ? "0.0.0.0" : "::";
}

export function loopbackOf(family: "inet" | "inet6"): string {
  return family === "inet" ? "127.0.0.1" : "::1";
}

/** `"host:port"`, with brackets around IPv6 addresses: how rules and messages name an endpoint. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** A Unix path as the key of the path table: the bytes, so that a string and its UTF-8 bytes are one path. */
export function unixKey(path: string | Uint8Array): string {
  const bytes = typeof path === "string" ? encoder.encode(path) : path;
  let key = "";
  for (const byte of bytes) key += String.fromCharCode(byte);
  return key;
}

/** How a Unix address is reported: abstract names as bytes, paths as strings when they are UTF-8, else bytes. */
export function reportUnix(path: string | Uint8Array): SocketAddress {
  const bytes = typeof path === "string" ? encoder.encode(path) : path;
  if (bytes[0] === 0) return copyOf(bytes);
  if (typeof path === "string") return path;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return copyOf(bytes);
  }
}

/** A Unix path for messages. */
export function describeUnix(path: string | Uint8Array): string {
  const key = unixKey(path);
  return JSON.stringify(key.startsWith("\0") ? `@${key.slice(1)}` : key);
}
