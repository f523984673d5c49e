import type { ResolvedAddress } from "../backend/backend.ts";
import { getBackend } from "../backend/registry.ts";
import { checkFamily, checkHost, checkPort } from "../internal/validate.ts";
import { ConnectedUDPSocket, UDPSocket } from "./datagram-sockets.ts";
import { resolveHost } from "./getaddrinfo.ts";

/** Options of {@link createUdpSocket}. */
export interface CreateUdpSocketOptions {
  /** `"inet"` or `"inet6"`; needed when `localHost` is not given. */
  family?: "inet" | "inet6" | "unspec";
  /** Address (or name) to bind to; by default every address of `family`. */
  localHost?: string;
  /** Port to bind to; 0 (the default) picks a free one. */
  localPort?: number;
  /** Set SO_REUSEPORT so several sockets can share the port. */
  reusePort?: boolean;
}

/**
 * Creates an unconnected UDP socket, always bound (port 0 picks a free port), as AnyIO does.
 *
 * @throws TypeError when neither `family` nor `localHost` says which family to use
 * @example
 * ```ts
 * const udp = await createUdpSocket({ localHost: "127.0.0.1" });
 * const [data, [host, port]] = await udp.receive();
 * await udp.sendto(data, host, port);
 * ```
 */
export async function createUdpSocket(options: CreateUdpSocketOptions = {}): Promise<UDPSocket> {
  const family = checkFamily(options.family ?? "unspec");
  const localPort = checkPort(options.localPort ?? 0, "localPort", { allowZero: true });
  let local: ResolvedAddress;
  if (options.localHost !== undefined) {
    checkHost(options.localHost, "localHost");
    local = await firstAddress(options.localHost, family);
  } else if (family === "inet") {
    local = { family, address: "0.0.0.0" };
  } else if (family === "inet6") {
    local = { family, address: "::" };
  } else {
    throw new TypeError("Either family or localHost must be given");
  }
  const transport = await getBackend().createUdpSocket(local.address, localPort, {
    family: local.family,
    reusePort: options.reusePort ?? false,
  });
  return new UDPSocket(transport);
}

/** Options of {@link createConnectedUdpSocket}. */
export interface CreateConnectedUdpSocketOptions extends CreateUdpSocketOptions {}

/**
 * Creates a UDP socket connected to `remoteHost:remotePort` (the first address of the name).
 *
 * @example
 * ```ts
 * const udp = await createConnectedUdpSocket("localhost", 5353, { family: "inet" });
 * await udp.send(query);
 * ```
 */
export async function createConnectedUdpSocket(
  remoteHost: string,
  remotePort: number,
  options: CreateConnectedUdpSocketOptions = {},
): Promise<ConnectedUDPSocket> {
  checkHost(remoteHost, "remoteHost");
  checkPort(remotePort, "remotePort", { allowZero: false });
  let family = checkFamily(options.family ?? "unspec");
  if (options.localPort !== undefined) checkPort(options.localPort, "localPort", { allowZero: true });
  let local: ResolvedAddress | undefined;
  if (options.localHost !== undefined) {
    checkHost(options.localHost, "localHost");
    local = await firstAddress(options.localHost, family);
    family = local.family;
  }
  const remote = await firstAddress(remoteHost, family);
  const transport = await getBackend().createConnectedUdpSocket(remote.address, remotePort, {
    family: remote.family,
    reusePort: options.reusePort ?? false,
    ...(local ? { localHost: local.address } : {}),
    ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
  });
  return new ConnectedUDPSocket(transport);
}

async function firstAddress(host: string, family: "inet" | "inet6" | "unspec"): Promise<ResolvedAddress> {
  const [first] = await resolveHost(host, family === "unspec" ? undefined : family);
  if (first === undefined) throw new TypeError(`${host} has no address${family === "unspec" ? "" : ` of family ${family}`}`);
  return first;
}
