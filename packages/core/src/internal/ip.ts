/** Numeric IP address checks with web-standard code only (no node:net). */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(host: string): boolean {
  return IPV4.test(host);
}

/** True for an IPv6 literal, with or without a zone id (`fe80::1%eth0`), without brackets. */
export function isIPv6(host: string): boolean {
  if (!host.includes(":")) return false;
  const zone = host.indexOf("%");
  const bare = zone === -1 ? host : host.slice(0, zone);
  if (zone !== -1 && zone === host.length - 1) return false;
  try {
    // The URL parser implements the full IPv6 literal grammar, so nothing is re-invented here.
    new URL(`http://[${bare}]/`);
    return true;
  } catch {
    return false;
  }
}

/** `"inet"` / `"inet6"` for a numeric address, `undefined` for a host name. */
export function ipFamily(host: string): "inet" | "inet6" | undefined {
  if (isIPv4(host)) return "inet";
  if (isIPv6(host)) return "inet6";
  return undefined;
}
