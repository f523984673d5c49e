import { lookup } from "node:dns/promises";
import type { ResolvedAddress } from "@portio/core/backend";

/**
 * Resolves a host name with the system resolver (getaddrinfo(3) through `dns.lookup`), keeping
 * the order it returns so that core's happy eyeballs sees the system's preference. Rejects with
 * Node's error (`ENOTFOUND` and so on).
 *
 * @example
 * ```ts
 * await getaddrinfo("localhost", {}); // [{ family: "inet6", address: "::1" }, { family: "inet", address: "127.0.0.1" }]
 * ```
 */
export async function getaddrinfo(host: string, options: { family?: "inet" | "inet6" } = {}): Promise<ResolvedAddress[]> {
  const family = options.family === "inet" ? 4 : options.family === "inet6" ? 6 : 0;
  // `order` wins where Node knows it (20.13+); `verbatim` covers older 20.x.
  const results = await lookup(host, { all: true, family, order: "verbatim", verbatim: true });
  return results.map(({ address, family: version }) => ({ family: version === 6 ? "inet6" : "inet", address }));
}
