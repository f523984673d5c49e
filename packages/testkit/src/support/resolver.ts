import type { AsyncBackend, ResolvedAddress } from "@portio/core/backend";

/**
 * `backend`, except that `getaddrinfo` answers the given names itself (honouring the `family`
 * filter) and passes every other name through. A Proxy rather than a copy, so that backends built
 * as classes with private fields keep working.
 */
export function withResolvedNames(
  backend: AsyncBackend,
  names: Readonly<Record<string, readonly ResolvedAddress[]>>,
): AsyncBackend {
  const getaddrinfo: AsyncBackend["getaddrinfo"] = async (host, options) => {
    const fixed = Object.hasOwn(names, host) ? names[host] : undefined;
    if (fixed === undefined) return backend.getaddrinfo(host, options);
    return fixed
      .filter((entry) => options.family === undefined || entry.family === options.family)
      .map((entry) => ({ ...entry }));
  };
  return new Proxy(backend, {
    get(target, property) {
      if (property === "getaddrinfo") return getaddrinfo;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
