import { lookup } from "node:dns/promises";
import type { ResolvedAddress } from "@portio/core/backend";

/**
 * Resolves a host name with the system resolver (getaddrinfo(3) through Bun's `node:dns`
 * `lookup`), keeping the order it returns so that core's happy eyeballs sees the system's
 * preference. Rejects with the runtime's error (`ENOTFOUND` and so on).
 *
 * `Bun.dns.lookup` is not used: it sorts and caches by its own rules, and the system order is
 * what core wants.
 *
 * @example
 * ```ts
 * await getaddrinfo("localhost", {}); // [{ family: "inet6", address: "::1" }, { family: "inet", address: "127.0.0.1" }]
 * ```
 */
export async function getaddrinfo(host: string, options: { family?: "inet" | "inet6" } = {}): Promise<ResolvedAddress[]> {
  const family = options.family === "inet" ? 4 : options.family === "inet6" ? 6 : 0;
  const results = await lookup(host, { all: true, family, verbatim: true });
  return results.map(({ address, family: version }) => ({ family: version === 6 ? "inet6" : "inet", address }));
}
