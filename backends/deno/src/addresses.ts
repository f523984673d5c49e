/**
 * Deno's address objects in portio's shapes.
 * @module
 */
import type { AddressFamily, SocketAddress } from "@portio/core";
import { toUnixSocketAddress } from "@portio/core/backend";

/** `[host, port]` for a TCP address, the path (`""` when unnamed; bytes for abstract names) for Unix. */
export function fromDenoAddr(addr: Deno.Addr): SocketAddress {
  if (addr.transport === "tcp" || addr.transport === "udp") return [addr.hostname, addr.port];
  return toUnixSocketAddress((addr as Deno.UnixAddr).path ?? "");
}

/** The family of a numeric IP host as Deno prints it. */
export function ipFamilyOf(hostname: string): AddressFamily {
  return hostname.includes(":") ? "inet6" : "inet";
}

/** `"::ffff:1.2.3.4"` → `"1.2.3.4"`; anything else as it is. */
export function unmapIPv4(hostname: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(hostname);
  return match ? match[1]! : hostname;
}
