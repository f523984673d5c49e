import type { AddressFamily, SocketAddress } from "./addresses.ts";
import { TypedAttribute } from "./typed-attributes.ts";

/**
 * Typed attributes of sockets, streams over sockets and listeners.
 *
 * @example
 * ```ts
 * const [host, port] = stream.extra(SocketAttribute.remoteAddress) as [string, number];
 * stream.extra(SocketAttribute.family); // "inet" | "inet6" | "unix"
 * ```
 */
export const SocketAttribute: {
  readonly family: TypedAttribute<AddressFamily>;
  readonly localAddress: TypedAttribute<SocketAddress>;
  readonly localPort: TypedAttribute<number>;
  readonly remoteAddress: TypedAttribute<SocketAddress>;
  readonly remotePort: TypedAttribute<number>;
  readonly fd: TypedAttribute<number>;
} = {
  /** `"inet"`, `"inet6"` or `"unix"`. */
  family: new TypedAttribute<AddressFamily>("family"),
  /** This side's address: `[host, port]` or a Unix path. */
  localAddress: new TypedAttribute<SocketAddress>("localAddress"),
  /** This side's port (IP sockets only). */
  localPort: new TypedAttribute<number>("localPort"),
  /** The peer's address (connected sockets only). */
  remoteAddress: new TypedAttribute<SocketAddress>("remoteAddress"),
  /** The peer's port (connected IP sockets only). */
  remotePort: new TypedAttribute<number>("remotePort"),
  /** The OS file descriptor, where the runtime exposes it. */
  fd: new TypedAttribute<number>("fd"),
};
