import { lookup } from "node:dns/promises";
import type { ResolvedAddress } from "@portio/core/backend";
import { withPermission } from "./permissions.ts";

/**
 * Resolves a host name with the system resolver, getaddrinfo(3), so /etc/hosts, nsswitch and the
 * system's address order apply as in every other program. Deno's own `Deno.resolveDns` queries
 * DNS servers directly (records, not host resolution: no /etc/hosts), so the node:dns `lookup`
 * that Deno implements over getaddrinfo is the right tool. Needs `--allow-net` for the name.
 * Rejects with `ENOTFOUND` and friends.
 *
 * @example
 * ```ts
 * await getaddrinfo("localhost", {}); // [{ family: "inet", address: "127.0.0.1" }]
 * ```
 */
export async function getaddrinfo(host: string, options: { family?: "inet" | "inet6" } = {}): Promise<ResolvedAddress[]> {
  const family = options.family === "inet" ? 4 : options.family === "inet6" ? 6 : 0;
  const results = await withPermission("resolving host names", "--allow-net", () =>
    lookup(host, { all: true, family, verbatim: true }),
  );
  return results.map(({ address, family: version }) => ({ family: version === 6 ? "inet6" : "inet", address }));
}
