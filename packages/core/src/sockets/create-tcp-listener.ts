import type { ListenerTransport } from "../backend/transports.ts";
import type { ResolvedAddress } from "../backend/backend.ts";
import { getBackend } from "../backend/registry.ts";
import { checkBacklog, checkFamily, checkHost, checkPort } from "../internal/validate.ts";
import { MultiListener } from "../multi-listener.ts";
import { resolveHost } from "./getaddrinfo.ts";
import { SocketListener } from "./socket-listener.ts";
import type { SocketStream } from "./socket-stream.ts";
import { checkTcpSocketOptions, type TCPSocketOptions } from "./tcp-options.ts";

/**
 * Options of {@link createTcpListener}. `noDelay` (default on) and `keepAlive`
 * ({@link TCPSocketOptions}) apply to every stream the listener accepts.
 */
export interface CreateTcpListenerOptions extends TCPSocketOptions {
  /** Address or name to listen on; by default every address (`0.0.0.0` and `::`). */
  localHost?: string;
  /** Port to listen on; 0 (the default) picks a free one, the same on every address. */
  localPort?: number;
  /** Restrict to IPv4 or IPv6; default `"unspec"` (both). */
  family?: "inet" | "inet6" | "unspec";
  /** Listen queue length; default 65535 (the OS caps it). */
  backlog?: number;
  /** Set SO_REUSEPORT so several listeners can share the port. */
  reusePort?: boolean;
}

/** How often binding is retried when a port picked on the first address is taken on another. */
const CONSISTENT_PORT_ATTEMPTS = 10;

/**
 * Listens on every address of `localHost` with one port, and returns a {@link MultiListener} over
 * the individual listeners (one per address; IPv6 ones are IPv6-only, so IPv4 gets its own).
 * Its `extra(SocketAttribute.localPort)` is the shared port. Accepted streams get `noDelay`
 * (default on) and `keepAlive` as given here.
 *
 * @example
 * ```ts
 * const listener = await createTcpListener({ localHost: "localhost" });
 * console.log("listening on", listener.extra(SocketAttribute.localPort));
 * await listener.serve(async (stream) => { for await (const chunk of stream) await stream.send(chunk); });
 * // Find dead peers of idle connections after 5 minutes instead of the system's 2 hours:
 * const server = await createTcpListener({ localPort: 8443, keepAlive: { initialDelayMs: 300_000 } });
 * ```
 */
export async function createTcpListener(options: CreateTcpListenerOptions = {}): Promise<MultiListener<SocketStream>> {
  const family = checkFamily(options.family ?? "unspec");
  const requestedPort = checkPort(options.localPort ?? 0, "localPort", { allowZero: true });
  const backlog = checkBacklog(options.backlog);
  if (options.localHost !== undefined) checkHost(options.localHost, "localHost");
  const reusePort = options.reusePort ?? false;
  const tcpOptions = checkTcpSocketOptions(options);
  const backend = getBackend();

  const addresses = await listenAddresses(options.localHost, family);
  if (addresses.length === 0) {
    throw new Error(
      `localHost ${JSON.stringify(options.localHost)} resolved to no ${family === "unspec" ? "" : `${family} `}address to listen on`,
    );
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < CONSISTENT_PORT_ATTEMPTS; attempt++) {
    const transports: ListenerTransport[] = [];
    let port = requestedPort;
    try {
      for (const address of addresses) {
        let transport: ListenerTransport;
        try {
          transport = await backend.createTcpListener(address.address, port, {
            backlog,
            reusePort,
            ipv6Only: address.family === "inet6",
            tcpOptions,
          });
        } catch (error) {
          // A host without IPv6 still gets its IPv4 listener when no address was asked for.
          if (options.localHost === undefined && address.family === "inet6" && isNoIPv6(error) && addresses.length > 1) continue;
          throw error;
        }
        transports.push(transport);
        if (port === 0) port = (transport.localAddress() as [string, number])[1];
      }
      return new MultiListener(transports.map((transport) => new SocketListener(transport)));
    } catch (error) {
      await Promise.all(transports.map((transport) => transport.close().catch(() => {})));
      lastError = error;
      // Only a port we picked ourselves may be picked again.
      if (requestedPort !== 0 || errorCode(error) !== "EADDRINUSE" || transports.length === 0) throw error;
    }
  }
  throw new Error(`Could not create ${addresses.length} listeners with a consistent port`, { cause: lastError });
}

async function listenAddresses(localHost: string | undefined, family: "inet" | "inet6" | "unspec"): Promise<ResolvedAddress[]> {
  if (localHost === undefined) {
    const any: ResolvedAddress[] = [
      { family: "inet6", address: "::" },
      { family: "inet", address: "0.0.0.0" },
    ];
    return family === "unspec" ? any : any.filter((entry) => entry.family === family);
  }
  return resolveHost(localHost, family === "unspec" ? undefined : family);
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function isNoIPv6(error: unknown): boolean {
  const code = errorCode(error);
  return code === "EAFNOSUPPORT" || code === "EADDRNOTAVAIL" || code === "EPROTONOSUPPORT";
}
