import { UnsupportedError } from "../errors.ts";
import { raceAbort, throwIfAborted } from "../internal/abort.ts";
import type { IPSocketAddress } from "../addresses.ts";
import type { ResolvedAddress } from "../backend/backend.ts";
import { getBackend } from "../backend/registry.ts";
import { ipFamily } from "../internal/ip.ts";
import { checkFamily, checkHost, checkPort } from "../internal/validate.ts";

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
 * await getaddrinfo("example.com", 443, { signal: AbortSignal.timeout(2_000) });
 * ```
 * @throws the signal's reason when `signal` aborts first
 */
export async function getaddrinfo(
  host: string,
  port = 0,
  options: { family?: "inet" | "inet6" | "unspec"; signal?: AbortSignal } = {},
): Promise<AddressInfo[]> {
  checkHost(host, "host");
  checkPort(port, "port", { allowZero: true });
  throwIfAborted(options.signal);
  const checked = checkFamily(options.family ?? "unspec");
  const family = checked === "unspec" ? undefined : checked;
  // The system resolver cannot be interrupted; an abort stops the wait and drops its answer.
  const resolved = await raceAbort(resolveHost(host, family), options.signal);
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

/**
 * Reverse lookup (getnameinfo(3), as AnyIO's `getnameinfo`): the host name of a numeric address
 * and the service name of its port, through the system's resolver (`/etc/hosts`, DNS,
 * `/etc/services`). A port with no service name comes back as its digits.
 *
 * @throws TypeError if `address` is not `[numeric IP, port]`
 * @throws the signal's reason when `signal` aborts first (the lookup itself cannot be interrupted)
 * @example
 * ```ts
 * const [host, service] = await getnameinfo(["127.0.0.1", 22]); // ["localhost", "ssh"]
 * ```
 */
export async function getnameinfo(
  address: IPSocketAddress,
  options: { signal?: AbortSignal } = {},
): Promise<[host: string, service: string]> {
  if (!Array.isArray(address) || address.length !== 2) throw new TypeError("address must be [host, port]");
  const [host, port] = address;
  checkHost(host, "host");
  if (ipFamily(host) === undefined) throw new TypeError(`getnameinfo needs a numeric IP address, got ${JSON.stringify(host)}`);
  checkPort(port, "port", { allowZero: true });
  throwIfAborted(options.signal);
  const backend = getBackend();
  if (backend.getnameinfo === undefined) {
    throw new UnsupportedError(`the ${backend.name} backend has no reverse lookup (AsyncBackend.getnameinfo)`);
  }
  return raceAbort(backend.getnameinfo(host, port), options.signal);
}
