import { lookupService } from "node:dns/promises";

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
  const { hostname, service } = await lookupService(host, port);
  return [hostname, service];
}
