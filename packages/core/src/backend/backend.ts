import type { DatagramTransport, ListenerTransport, StreamTransport } from "./transports.js";

/** One resolved address. */
export interface ResolvedAddress {
  family: "inet" | "inet6";
  /** Numeric address, e.g. `"127.0.0.1"` or `"::1"`. */
  address: string;
}

/** Options for {@link AsyncBackend.connectTcp}. */
export interface BackendConnectTcpOptions {
  localHost?: string;
  localPort?: number;
  signal?: AbortSignal;
}

/** Options for {@link AsyncBackend.createTcpListener}. */
export interface BackendTcpListenerOptions {
  backlog: number;
  reusePort: boolean;
  /** For IPv6 addresses: accept IPv6 only (core binds IPv4 separately). */
  ipv6Only: boolean;
}

/** Options for {@link AsyncBackend.createUnixListener}. */
export interface BackendUnixListenerOptions {
  backlog: number;
  /** File mode to set on the socket file after binding (not for abstract names). */
  mode?: number;
}

/** Options for {@link AsyncBackend.createUdpSocket} and {@link AsyncBackend.createConnectedUdpSocket}. */
export interface BackendUdpOptions {
  /** Family of the socket; core derived it from the addresses. */
  family: "inet" | "inet6";
  reusePort: boolean;
}

/** Options for the Unix datagram constructors of {@link AsyncBackend}. */
export interface BackendUnixDatagramOptions {
  /** Bind here first (a stale socket file is replaced); unbound when absent. */
  localPath?: string | Uint8Array;
  /** File mode of the bound socket file. */
  mode?: number;
}

/**
 * What a runtime backend supplies. Everything that is the same on every runtime — validation,
 * messages, happy eyeballs, picking listener addresses, buffering, cancellation, serve loops —
 * lives in core; a backend only translates these primitives to its runtime (compare AnyIO's
 * `abc/_eventloop.py`). Arguments arrive already validated.
 *
 * A new runtime backend is one object implementing this interface plus a passing
 * `@portio/testkit` run.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * setBackend(myBackend);
 * ```
 */
export interface AsyncBackend {
  /** Short name used in messages, e.g. `"node"`. */
  readonly name: string;
  /**
   * Resolves a host name to numeric addresses (IPv6 and IPv4 as the system orders them).
   * `family` restricts the result. Rejects with the runtime's error for unknown hosts.
   */
  getaddrinfo(host: string, options: { family?: "inet" | "inet6" }): Promise<ResolvedAddress[]>;
  /**
   * Connects to one numeric address (core runs happy eyeballs over several). Sets TCP_NODELAY.
   * Rejects with the runtime's error; on abort, with `signal.reason` after releasing the socket.
   */
  connectTcp(host: string, port: number, options: BackendConnectTcpOptions): Promise<StreamTransport>;
  /** Connects to a Unix socket path (a `"\0"`-prefixed string or bytes for abstract names). */
  connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal }): Promise<StreamTransport>;
  /**
   * Listens on one numeric address (core picks the addresses and keeps their ports equal).
   * Sets SO_REUSEADDR; `port` 0 picks a free port. Rejects with the runtime's error (its `code`,
   * e.g. `"EADDRINUSE"`, is kept). Accepted streams have TCP_NODELAY set.
   */
  createTcpListener(host: string, port: number, options: BackendTcpListenerOptions): Promise<ListenerTransport>;
  /** Listens on a Unix path, replacing a stale socket file left at that path. */
  createUnixListener(path: string | Uint8Array, options: BackendUnixListenerOptions): Promise<ListenerTransport>;
  /** A UDP socket bound to a numeric `localHost` and `localPort` (0: any free port). */
  createUdpSocket(localHost: string, localPort: number, options: BackendUdpOptions): Promise<DatagramTransport>;
  /**
   * A UDP socket connected to a numeric `remoteHost`, bound to `localHost`/`localPort` when given
   * (otherwise the OS picks them on connect).
   */
  createConnectedUdpSocket(
    remoteHost: string,
    remotePort: number,
    options: BackendUdpOptions & { localHost?: string; localPort?: number },
  ): Promise<DatagramTransport>;
  /** A Unix datagram socket, bound to `localPath` if given. */
  createUnixDatagramSocket(options: BackendUnixDatagramOptions): Promise<DatagramTransport>;
  /** A Unix datagram socket connected to `remotePath`, bound to `localPath` if given. */
  createConnectedUnixDatagramSocket(remotePath: string | Uint8Array, options: BackendUnixDatagramOptions): Promise<DatagramTransport>;
  /** A connected pair of Unix sockets (`socketpair(2)`). */
  socketpair(type: "stream"): Promise<[StreamTransport, StreamTransport]>;
  socketpair(type: "dgram"): Promise<[DatagramTransport, DatagramTransport]>;
}
