import type { IPSocketAddress } from "../addresses.js";
import type { ResolvedAddress } from "../backend/backend.js";
import { getBackend } from "../backend/registry.js";
import { ipFamily } from "../internal/ip.js";
import { checkFamily, checkHost, checkPort } from "../internal/validate.js";

/** One result of {@link getaddrinfo}. */
export interface AddressInfo {
  /** `"inet"` for IPv4, `"inet6"` for IPv6. */
  family: "inet" | "inet6";
  /** The address and the port asked for. */
  address: IPSocketAddress;
}

/**
 * Resolves `host` to numeric addresses, in the order the system prefers them. A numeric host is
 * returned as is, without asking the resolver.
 *
 * @example
 * ```ts
 * const infos = await getaddrinfo("localhost", 80);
 * // [{ family: "inet6", address: ["::1", 80] }, { family: "inet", address: ["127.0.0.1", 80] }]
 * ```
 */
export async function getaddrinfo(
  host: string,
  port = 0,
  options: { family?: "inet" | "inet6" | "unspec" } = {},
): Promise<AddressInfo[]> {
  checkHost(host, "host");
  checkPort(port, "port", { allowZero: true });
  const checked = checkFamily(options.family ?? "unspec");
  const family = checked === "unspec" ? undefined : checked;
  const resolved = await resolveHost(host, family);
  return resolved.map((entry) => ({ family: entry.family, address: [entry.address, port] as const }));
}

/** Numeric hosts short-circuit; names go to the backend's resolver, duplicates removed. */
export async function resolveHost(host: string, family?: "inet" | "inet6"): Promise<ResolvedAddress[]> {
  const literal = ipFamily(host);
  if (literal !== undefined) {
    if (family !== undefined && family !== literal) {
      throw new TypeError(`${host} is an ${literal === "inet" ? "IPv4" : "IPv6"} address, but family "${family}" was asked for`);
    }
    return [{ family: literal, address: host }];
  }
  const resolved = await getBackend().getaddrinfo(host, family ? { family } : {});
  const seen = new Set<string>();
  return resolved.filter((entry) => !seen.has(entry.address) && seen.add(entry.address));
}
