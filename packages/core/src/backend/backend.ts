import type { DatagramTransport, ListenerTransport, StreamTransport } from "./transports.ts";
import type { AnyByteStream } from "../abc/streams.ts";
import type { BackendTLSOptions, TLSTransport } from "../tls/tls-transport.ts";
import type { SocketInfo } from "../adoption/socket-info.ts";

/** One resolved address. */
export interface ResolvedAddress {
  /** `"inet"` for IPv4, `"inet6"` for IPv6. */
  family: "inet" | "inet6";
  /** Numeric address, e.g. `"127.0.0.1"` or `"::1"`. */
  address: string;
}

/**
 * The TCP options a backend applies to a TCP stream, already checked by core: on a new
 * connection ({@link BackendConnectTcpOptions}), on every stream a listener accepts
 * ({@link BackendTCPListenerOptions}), and on a live stream ({@link StreamTransport.setTcpOptions}).
 */
export interface BackendTCPOptions {
  /** `TCP_NODELAY` on (`true`, portio's default) or off. */
  noDelay: boolean;
  /** `SO_KEEPALIVE` on or off. */
  keepAlive: boolean;
  /**
   * With `keepAlive`: `TCP_KEEPIDLE`, the idle seconds before the first probe (1 to 32767).
   * Absent: leave the socket's idle time as it is. A backend that cannot set it throws
   * `UnsupportedError` saying so.
   */
  keepAliveIdleSeconds?: number;
}

/** Options for {@link AsyncBackend.connectTcp}. */
export interface BackendConnectTcpOptions {
  /**
   * TCP options for the new connection. Absent (a caller written before they existed): noDelay on,
   * keep-alive left off.
   */
  tcpOptions?: BackendTCPOptions;
  /** Numeric local address to bind before connecting. */
  localHost?: string;
  /** Local port to bind before connecting (0 or absent: any). */
  localPort?: number;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
}

/** Options for {@link AsyncBackend.createTcpListener}. */
export interface BackendTCPListenerOptions {
  /** Length of the accept queue (`listen(2)` backlog), already clamped by core. */
  backlog: number;
  /** Set `SO_REUSEPORT` (core refused it where the platform has none). */
  reusePort: boolean;
  /** For IPv6 addresses: accept IPv6 only (core binds IPv4 separately). */
  ipv6Only: boolean;
  /** TCP options for every accepted stream. Absent: noDelay on, keep-alive left off. */
  tcpOptions?: BackendTCPOptions;
}

/** Options for {@link AsyncBackend.createUnixListener}. */
export interface BackendUNIXListenerOptions {
  /** Length of the accept queue (`listen(2)` backlog), already clamped by core. */
  backlog: number;
  /** File mode to set on the socket file after binding (not for abstract names). */
  mode?: number;
}

/** Options for {@link AsyncBackend.createUdpSocket} and {@link AsyncBackend.createConnectedUdpSocket}. */
export interface BackendUDPOptions {
  /** Family of the socket; core derived it from the addresses. */
  family: "inet" | "inet6";
  /** Set `SO_REUSEPORT` before binding. */
  reusePort: boolean;
}

/** Options for the Unix datagram constructors of {@link AsyncBackend}. */
export interface BackendUNIXDatagramOptions {
  /** Bind here first (a stale socket file is replaced); unbound when absent. */
  localPath?: string | Uint8Array;
  /** File mode of the bound socket file. */
  mode?: number;
}

/**
 * A socket handed to an adoption function after core validated it: its fd, and the runtime's own
 * socket object when that is what the caller passed (the backend should then wrap the object
 * itself rather than open the fd a second time).
 */
export interface AdoptionSource {
  /** The validated file descriptor. */
  fd: number;
  /** The runtime's socket object, when the caller passed one instead of an fd. */
  native?: unknown;
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
   * Resolves after one turn of the event loop: a macrotask, so that timers and I/O callbacks that
   * are due run first (Node, Bun and Deno: `setImmediate`). Core awaits it after 512 stream
   * receives (64 datagram receives) in a row that it answers from bytes or datagrams it already
   * holds, which would otherwise settle on microtasks alone and starve the rest of the program. Optional: without it core uses the
   * runtime's `setImmediate` if there is one, else a `MessageChannel` (20-70 µs a turn, and on Bun
   * a due timer may wait several such turns); give it when the runtime has a better macrotask.
   *
   * @example
   * ```ts
   * const backend: AsyncBackend = { name: "mine", nextTurn: () => new Promise((resolve) => setImmediate(resolve)), ... };
   * ```
   */
  nextTurn?(): Promise<void>;
  /**
   * Resolves a host name to numeric addresses (IPv6 and IPv4 as the system orders them).
   * `family` restricts the result. Rejects with the runtime's error for unknown hosts.
   */
  getaddrinfo(host: string, options: { family?: "inet" | "inet6" }): Promise<ResolvedAddress[]>;
  /**
   * Reverse lookup of a numeric address and port (getnameinfo(3)): the host name and the service
   * name (the port as digits where no service has that port). Optional: without it core's
   * `getnameinfo` raises `UnsupportedError`.
   */
  getnameinfo?(host: string, port: number): Promise<[host: string, service: string]>;
  /**
   * Connects to one numeric address (core runs happy eyeballs over several). Applies
   * `options.tcpOptions` (TCP_NODELAY by default) before resolving. Rejects with the runtime's error; on abort, with `signal.reason` after releasing the socket.
   */
  connectTcp(host: string, port: number, options: BackendConnectTcpOptions): Promise<StreamTransport>;
  /** Connects to a Unix socket path (a `"\0"`-prefixed string or bytes for abstract names). */
  connectUnix(path: string | Uint8Array, options: { signal?: AbortSignal }): Promise<StreamTransport>;
  /**
   * Listens on one numeric address (core picks the addresses and keeps their ports equal).
   * Sets SO_REUSEADDR; `port` 0 picks a free port. Rejects with the runtime's error (its `code`,
   * e.g. `"EADDRINUSE"`, is kept). Accepted streams get `options.tcpOptions` (TCP_NODELAY by
   * default) before `accept()` hands them out.
   */
  createTcpListener(host: string, port: number, options: BackendTCPListenerOptions): Promise<ListenerTransport>;
  /**
   * Listens on a Unix path (core has checked its length). The socket file must have `mode` from
   * the moment it exists; a stale socket file (connect: ECONNREFUSED) is replaced, a live one or
   * any other file is `EADDRINUSE`; close removes the file only if it is still this listener's
   * (same device and inode). `listenOnUnixPath` (`@portio/core/backend`) does all of that over the
   * runtime's file calls.
   */
  createUnixListener(path: string | Uint8Array, options: BackendUNIXListenerOptions): Promise<ListenerTransport>;
  /** A UDP socket bound to a numeric `localHost` and `localPort` (0: any free port). */
  createUdpSocket(localHost: string, localPort: number, options: BackendUDPOptions): Promise<DatagramTransport>;
  /**
   * A UDP socket connected to a numeric `remoteHost`, bound to `localHost`/`localPort` when given
   * (otherwise the OS picks them on connect).
   */
  createConnectedUdpSocket(
    remoteHost: string,
    remotePort: number,
    options: BackendUDPOptions & { localHost?: string; localPort?: number },
  ): Promise<DatagramTransport>;
  /** A Unix datagram socket, bound to `localPath` if given. */
  createUnixDatagramSocket(options: BackendUNIXDatagramOptions): Promise<DatagramTransport>;
  /** A Unix datagram socket connected to `remotePath`, bound to `localPath` if given. */
  createConnectedUnixDatagramSocket(
    remotePath: string | Uint8Array,
    options: BackendUNIXDatagramOptions,
  ): Promise<DatagramTransport>;
  /** A connected pair of Unix sockets (`socketpair(2)`). */
  socketpair(type: "stream"): Promise<[StreamTransport, StreamTransport]>;
  /** A connected pair of Unix datagram sockets (`socketpair(AF_UNIX, SOCK_DGRAM)`). */
  socketpair(type: "dgram"): Promise<[DatagramTransport, DatagramTransport]>;
  /**
   * Runs a TLS handshake over `stream` and resolves with the session. `native` is the runtime
   * transport when `stream` is a plain socket stream, so the backend can use the runtime's TLS on
   * the socket itself; otherwise the session must pump `stream` (any portio byte stream).
   * Handshake failures reject with a `BrokenResourceError` that says what failed (certificate
   * verify failed, hostname mismatch, ...) with the runtime's error as `cause`. Optional: without
   * it, TLS is an `UnsupportedError` on this backend.
   */
  wrapTls?(stream: AnyByteStream, options: BackendTLSOptions, native?: StreamTransport): Promise<TLSTransport>;

  // Adoption of existing sockets. Core validates first (argument, inspectSocket, state, family,
  // type, in AnyIO's order) and calls a wrap function only for a socket that fits; the wrap
  // function then owns the fd. If it fails anyway it must leave the fd open and in its original
  // blocking mode.

  /**
   * The fd behind one of the runtime's own socket objects (Node: `net.Socket`, `net.Server`,
   * `dgram.Socket`), `null` for such an object that has no fd (closed), `undefined` for anything
   * the backend does not recognise. May throw a TypeError for objects it refuses on purpose
   * (say, a TLS socket, whose raw fd carries ciphertext).
   */
  nativeSocketFd(value: object): number | null | undefined;
  /**
   * Closes an fd portio holds without an object around it (one that arrived with `receiveFds`
   * and could not be adopted). Optional: where absent such an fd stays open.
   */
  closeFd?(fd: number): void;
  /**
   * What `fd` is. Rejects with an error whose `code` is `ENOTSOCK` (not a socket), `EBADF` (not
   * open), `EAFNOSUPPORT` / `ESOCKTNOSUPPORT` (a family or type portio has no class for). Must not
   * change the fd (flags, pending SO_ERROR).
   */
  inspectSocket(fd: number): Promise<SocketInfo>;
  /**
   * Waits until the TCP connect in progress on `source` has finished; rejects with the connect's
   * error (ECONNREFUSED, ...) if it failed, with `signal.reason` on abort. Leaves the fd open.
   */
  waitForConnect(source: AdoptionSource, options: { signal?: AbortSignal }): Promise<void>;
  /** A connected TCP socket (sets TCP_NODELAY; keep-alive stays as the fd had it). */
  wrapStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<StreamTransport>;
  /** A connected Unix stream socket. */
  wrapUnixStreamSocket(source: AdoptionSource, info: SocketInfo): Promise<StreamTransport>;
  /**
   * A listening stream socket, TCP or Unix, or a bound one that is not listening yet (the backend
   * starts it listening). Accepted TCP streams get TCP_NODELAY (keep-alive as the kernel copies it
   * from the listening socket); Unix ones no TCP options.
   */
  wrapListenerSocket(source: AdoptionSource, info: SocketInfo): Promise<ListenerTransport>;
  /** A bound, unconnected UDP socket. */
  wrapUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport>;
  /** A connected UDP socket. */
  wrapConnectedUdpSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport>;
  /** An unconnected Unix datagram socket, bound or not. */
  wrapUnixDatagramSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport>;
  /** A connected Unix datagram socket. */
  wrapConnectedUnixDatagramSocket(source: AdoptionSource, info: SocketInfo): Promise<DatagramTransport>;
}
