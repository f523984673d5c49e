import type { ResolvedAddress } from "@portio/core/backend";

/**
 * `node:dns/promises`, imported on first name resolution rather than with portio: about 70 KB
 * of heap (Node 20 and 24) that every importer would carry, and Node 24 marks the whole heap
 * again in each of the mark-compacts a bulk receive sets off (see loadNodeTls).
 */
function nodeDns(): Promise<typeof import("node:dns/promises")> {
  return (dnsModule ??= import("node:dns/promises"));
}

let dnsModule: Promise<typeof import("node:dns/promises")> | undefined;

/**
 * A backend's `getnameinfo` over `dns.lookupService` (getnameinfo(3)), which Node, Deno and Bun
 * all provide.
 *
 * @example
 * ```ts
 * const [host, service] = await getnameinfo("127.0.0.1", 22); // ["localhost", "ssh"]
 * ```
 */
export async function getnameinfo(host: string, port: number): Promise<[host: string, service: string]> {
  const { hostname, service } = await (await nodeDns()).lookupService(host, port);
  return [hostname, service];
}

/**
 * A backend's `getaddrinfo` over `dns.lookup` (getaddrinfo(3), so /etc/hosts, nsswitch and the
 * system's address order apply), keeping the order the system returns so that core's happy
 * eyeballs sees the system's preference. The same call on Node, Deno and Bun: Deno's
 * `Deno.resolveDns` queries DNS servers directly (no /etc/hosts), and `Bun.dns.lookup` sorts and
 * caches by its own rules. Rejects with the runtime's error (`ENOTFOUND` and so on).
 *
 * @example
 * ```ts
 * await getaddrinfo("localhost", {}); // [{ family: "inet6", address: "::1" }, { family: "inet", address: "127.0.0.1" }]
 * ```
 */
export async function getaddrinfo(host: string, options: { family?: "inet" | "inet6" } = {}): Promise<ResolvedAddress[]> {
  const family = options.family === "inet" ? 4 : options.family === "inet6" ? 6 : 0;
  // `order` wins where the runtime knows it (Node 20.13+); `verbatim` covers the others.
  const results = await (await nodeDns()).lookup(host, { all: true, family, order: "verbatim", verbatim: true });
  return results.map(({ address, family: version }) => ({ family: version === 6 ? "inet6" : "inet", address }));
}
