import type { AsyncBackend } from "@portio/core/backend";
import { UnsupportedError } from "@portio/core";
import { canonicalAddress, familyOf, isWildcard } from "./addresses.ts";
import { noFileDescriptors } from "./errors.ts";
import type { MemoryHost, MemoryNetwork } from "./network.ts";

/** Options of {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /** The host the code runs on: a host name or a {@link MemoryHost}; default the network's `defaultHost`. */
  host?: string | MemoryHost;
  /**
   * The TLS engine, run over the memory streams (they carry real TLS bytes, certificates and all).
   * `nodeTls` from `@portio/memory/node-tls` is node:tls, which Node, Deno and Bun all have. Without
   * it, TLS is an `UnsupportedError` on this backend.
   */
  tls?: AsyncBackend["wrapTls"];
}

/**
 * A portio backend on a memory network: `setBackend(memoryBackend(network))` and the
 * application's unchanged portio code (connectTcp, listeners, serve, UDP, Unix sockets,
 * socketpair, TLS with `tls`) runs on the network instead of the OS. Adopting OS sockets
 * (fromSocket, wrapClientSocket, inspectSocket, ...) is an `UnsupportedError`: there are no fds.
 *
 * @example
 * ```ts
 * import { setBackend, connectTcp, createTcpListener } from "@portio/core";
 * import { createMemoryNetwork, memoryBackend } from "@portio/memory";
 * import { nodeTls } from "@portio/memory/node-tls";
 *
 * const network = createMemoryNetwork();
 * setBackend(memoryBackend(network, { tls: nodeTls }));
 * const listener = await createTcpListener({ localHost: "127.0.0.1" });
 * ```
 */
export function memoryBackend(network: MemoryNetwork, options: MemoryBackendOptions = {}): AsyncBackend {
  const host =
    options.host === undefined
      ? network.defaultHost
      : typeof options.host === "string"
        ? network.host(options.host)
        : options.host;
  if (host.network !== network) throw new TypeError("the host belongs to another memory network");
  const refuse = (what: string) => () => Promise.reject(noFileDescriptors(what));
  return {
    name: "memory",
    // No nextTurn: core's own (the runtime's setImmediate as it was at load, else a MessageChannel) is untouched by fake timers.
    async getaddrinfo(name, { family }) {
      return network.resolve(name, family);
    },
    // A memory network has no services database: the service is the port's digits.
    async getnameinfo(address, port) {
      return [network.nameOf(address), String(port)];
    },
    connectTcp: (remoteHost, port, connectOptions) => network.connectTcp(host, remoteHost, port, connectOptions),
    connectUnix: (path, { signal }) => network.connectUnix(host, path, signal),
    async createTcpListener(localHost, port, { backlog, reusePort, tcpOptions }) {
      return network.listenTcp(host, localHost, port, { backlog, reusePort, tcpOptions });
    },
    async createUnixListener(path, { backlog }) {
      return network.listenUnix(host, path, backlog);
    },
    async createUdpSocket(localHost, localPort, { family, reusePort }) {
      return network.udpSocket(host, family, localHost, localPort, reusePort);
    },
    async createConnectedUdpSocket(remoteHost, remotePort, udpOptions) {
      const remote = canonicalAddress(remoteHost);
      const family = familyOf(remote) ?? udpOptions.family;
      const given = udpOptions.localHost === undefined ? undefined : canonicalAddress(udpOptions.localHost);
      // Connecting picks the route's source address, as the kernel does.
      const local = given === undefined || isWildcard(given) ? host.sourceFor(remote) : given;
      return network.udpSocket(host, family, local, udpOptions.localPort ?? 0, udpOptions.reusePort, [remote, remotePort]);
    },
    async createUnixDatagramSocket({ localPath }) {
      return network.unixDatagramSocket(host, localPath);
    },
    async createConnectedUnixDatagramSocket(remotePath, { localPath }) {
      return network.unixDatagramSocket(host, localPath, remotePath);
    },
    // One implementation for both overloads of socketpair().
    socketpair: (async (type: "stream" | "dgram") =>
      type === "stream" ? network.streamPair() : network.datagramPair(host)) as AsyncBackend["socketpair"],
    wrapTls:
      options.tls ??
      (() =>
        Promise.reject(
          new UnsupportedError(
            "TLS on the memory backend needs a TLS engine: memoryBackend(network, { tls: nodeTls }) with nodeTls from @portio/memory/node-tls",
          ),
        )),
    // The memory backend recognises no runtime socket objects: core then refuses them with its TypeError.
    nativeSocketFd: () => undefined,
    inspectSocket: refuse("inspectSocket"),
    waitForConnect: refuse("waitForConnect"),
    wrapStreamSocket: refuse("wrapStreamSocket"),
    wrapUnixStreamSocket: refuse("wrapUnixStreamSocket"),
    wrapListenerSocket: refuse("wrapListenerSocket"),
    wrapUdpSocket: refuse("wrapUdpSocket"),
    wrapConnectedUdpSocket: refuse("wrapConnectedUdpSocket"),
    wrapUnixDatagramSocket: refuse("wrapUnixDatagramSocket"),
    wrapConnectedUnixDatagramSocket: refuse("wrapConnectedUnixDatagramSocket"),
  };
}
