/** Numeric IP address checks with web-standard code only (no node:net). */

/**
 * Dotted-quad IPv4: four decimal parts 0–255 without leading zeros. Scanned by character codes
 * rather than with a regular expression: `connectTcp` asks on every connection, and the regular
 * expression cost more than the rest of its argument checks together (Bun's profile).
 */
export function isIPv4(host: string): boolean {
  const length = host.length;
  if (length < 7 || length > 15) return false;
  let parts = 0;
  let i = 0;
  while (i < length) {
    const start = i;
    let value = 0;
    while (i < length) {
      const code = host.charCodeAt(i);
      if (code < 48 || code > 57) break;
      value = value * 10 + (code - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && host.charCodeAt(start) === 48)) return false;
    parts++;
    if (i === length) break;
    if (parts === 4 || host.charCodeAt(i) !== 46) return false;
    i++;
    if (i === length) return false;
  }
  return parts === 4;
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
