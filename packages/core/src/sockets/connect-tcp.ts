import type { StreamTransport } from "../backend/transports.ts";
import type { ResolvedAddress } from "../backend/backend.ts";
import { getBackend } from "../backend/registry.ts";
import { ConnectionFailed, UnsupportedError } from "../errors.ts";
import { checkCallOptions, throwIfAborted } from "../internal/abort.ts";
import { checkHost, checkPort } from "../internal/validate.ts";
import { ipFamily } from "../internal/ip.ts";
import { resolveHost } from "./getaddrinfo.ts";
import { SocketStream } from "./socket-stream.ts";
import type { TLSClientOptions } from "../tls/tls-options.ts";
import { TLSStream } from "../tls/tls-stream.ts";
import type { BackendConnectTcpOptions, BackendTCPOptions } from "../backend/backend.ts";
import { NO_DELAY_OFF, NO_DELAY_ON, checkTcpSocketOptions, type TCPSocketOptions } from "./tcp-options.ts";

/** Options of {@link connectTcp}; `noDelay` (default on) and `keepAlive` are {@link TCPSocketOptions}. */
export interface ConnectTcpOptions extends TCPSocketOptions {
  /** Bind the local end to this address (a name is resolved; the first address of a fitting family is used). */
  localHost?: string;
  /** Bind the local end to this port. */
  localPort?: number;
  /** Milliseconds to wait before starting the next attempt (RFC 8305 "Connection Attempt Delay"); default 250. */
  happyEyeballsDelay?: number;
  /** Aborts the connection attempts (every happy-eyeballs attempt). */
  signal?: AbortSignal;
  /**
   * Run a TLS handshake (client side) over the connection and resolve with a {@link TLSStream}:
   * `true` for the defaults (verify against the runtime's trusted roots), or the TLS options.
   */
  tls?: boolean | TLSClientOptions;
  /**
   * The name to verify the server's certificate against and send as SNI; default `tls.hostname`,
   * else `remoteHost`. Giving both `tlsHostname` and a different `tls.hostname` is a `TypeError`.
   */
  tlsHostname?: string;
}

/**
 * Connects to a TCP server. A host name is resolved and its addresses are tried the RFC 8305
 * ("happy eyeballs") way: IPv6 first, then IPv4 and IPv6 alternate; each new attempt starts when the previous one
 * fails or after `happyEyeballsDelay`, the first to connect wins and the others are abandoned.
 * TCP_NODELAY is set unless `noDelay: false`; `keepAlive` turns on TCP keep-alive (see
 * {@link TCPKeepAlive}); both can be changed later with `setNoDelay` / `setKeepAlive`.
 *
 * @throws ConnectionFailed when every attempt failed; `cause` is the error of the only attempt or
 *   an `AggregateError` of all of them
 * @example
 * ```ts
 * const stream = await connectTcp("localhost", 8080, { signal: AbortSignal.timeout(5_000) });
 * const idle = await connectTcp("db.internal", 5432, { keepAlive: { initialDelayMs: 60_000 } });
 * ```
 */
export function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions & { tls: true | TLSClientOptions },
): Promise<TLSStream>;
/** Connects without TLS: a plain {@link SocketStream}. */
export function connectTcp(
  remoteHost: string,
  remotePort: number,
  options?: ConnectTcpOptions & { tls?: false },
): Promise<SocketStream>;
/** Connects, with TLS when `options.tls` says so. */
export function connectTcp(
  remoteHost: string,
  remotePort: number,
  options?: ConnectTcpOptions,
): Promise<SocketStream | TLSStream>;
export function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions = NO_OPTIONS,
): Promise<SocketStream | TLSStream> {
  try {
    checkHost(remoteHost, "remoteHost");
    checkPort(remotePort, "remotePort", { allowZero: false });
    checkCallOptions(options);
    if (options.localHost !== undefined) checkHost(options.localHost, "localHost");
    if (options.localPort !== undefined) checkPort(options.localPort, "localPort", { allowZero: true });
    const tcpOptions = checkTcpSocketOptions(options);
    const tlsHostname = connectTlsHostname(remoteHost, options);
    const delay = options.happyEyeballsDelay ?? 250;
    if (!(delay >= 0)) throw new RangeError("happyEyeballsDelay must be a non-negative number");
    throwIfAborted(options.signal);
    // The common case (an IP literal; nothing to bind, cancel or wrap in TLS) is one backend call
    // and one `then`: no async frame and no awaits, which cost turns of the microtask queue on
    // every connection.
    if (
      !options.tls &&
      options.signal === undefined &&
      options.localHost === undefined &&
      options.localPort === undefined &&
      ipFamily(remoteHost) !== undefined
    ) {
      return getBackend()
        .connectTcp(remoteHost, remotePort, backendConnectOptions(tcpOptions))
        .then(newSocketStream, singleAttemptFailed);
    }
    return connectChecked(remoteHost, remotePort, options, tcpOptions, tlsHostname, delay);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** What `connectTcp()` without options reads: one frozen object, not a new `{}` per call. */
const NO_OPTIONS: ConnectTcpOptions = Object.freeze({});

/** The backend's options of the plain case: one frozen object per shared TCP options object (the usual ones), a new one otherwise. */
function backendConnectOptions(tcpOptions: BackendTCPOptions): BackendConnectTcpOptions {
  if (tcpOptions === NO_DELAY_ON) return CONNECT_NO_DELAY_ON;
  if (tcpOptions === NO_DELAY_OFF) return CONNECT_NO_DELAY_OFF;
  return { tcpOptions };
}

const CONNECT_NO_DELAY_ON: BackendConnectTcpOptions = Object.freeze({ tcpOptions: NO_DELAY_ON });
const CONNECT_NO_DELAY_OFF: BackendConnectTcpOptions = Object.freeze({ tcpOptions: NO_DELAY_OFF });

function newSocketStream(transport: StreamTransport): SocketStream {
  return new SocketStream(transport);
}

/** The only attempt failed: what the backend cannot do as it is, anything else as `ConnectionFailed`. */
function singleAttemptFailed(error: unknown): never {
  throw error instanceof UnsupportedError ? error : attemptsFailed([error]);
}

/** {@link connectTcp} once its arguments are checked: resolve, race the addresses, TLS. */
async function connectChecked(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions,
  tcpOptions: BackendTCPOptions,
  tlsHostname: string,
  delay: number,
): Promise<SocketStream | TLSStream> {
  const signal = options.signal;

  let targets: ResolvedAddress[];
  let local: ResolvedAddress[] = [];
  // A numeric host needs no resolver: no await (a turn of the microtask queue per connection).
  const literal = ipFamily(remoteHost);
  if (literal !== undefined) targets = [{ family: literal, address: remoteHost }];
  else
    try {
      targets = await resolveHost(remoteHost);
    } catch (error) {
      throwIfAborted(signal);
      if (error instanceof TypeError) throw error;
      throw new ConnectionFailed(`could not resolve ${remoteHost}: ${String((error as Error)?.message ?? error)}`, {
        cause: error,
      });
    }
  try {
    if (options.localHost !== undefined) local = await resolveHost(options.localHost);
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof TypeError) throw error;
    throw new ConnectionFailed(
      `could not resolve localHost ${options.localHost}: ${String((error as Error)?.message ?? error)}`,
      {
        cause: error,
      },
    );
  }
  throwIfAborted(signal);
  if (local.length > 0) {
    // Only addresses of the local address's family can use it.
    const families = new Set(local.map((entry) => entry.family));
    targets = targets.filter((entry) => families.has(entry.family));
    if (targets.length === 0) {
      throw new ConnectionFailed(`${remoteHost} has no address of the same family as localHost ${options.localHost}`);
    }
  }
  const transport = await happyEyeballs(
    targets.length === 1 ? targets : interleaveFamilies(targets),
    remotePort,
    delay,
    local,
    options.localPort,
    tcpOptions,
    signal,
  );
  const stream = new SocketStream(transport);
  if (!options.tls) return stream;
  // The TCP connection is ours until the handshake succeeds: close it if it does not.
  try {
    const tls = options.tls === true ? {} : options.tls;
    return await TLSStream.wrapConnection(stream, {
      ...tls,
      hostname: tlsHostname,
      serverSide: false,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    await stream.aclose();
    throw error;
  }
}

/**
 * The name the server's certificate is checked against: `tlsHostname` or `tls.hostname` (the same
 * option in two places, so two different values are a mistake), else the host connected to.
 */
function connectTlsHostname(remoteHost: string, options: ConnectTcpOptions): string {
  const inTls = typeof options.tls === "object" && options.tls !== null ? options.tls.hostname : undefined;
  const given = options.tlsHostname;
  if (given !== undefined && inTls !== undefined && given !== inTls) {
    throw new TypeError(
      `connectTcp got two different TLS hostnames: tlsHostname ${JSON.stringify(given)} and tls.hostname ${JSON.stringify(inTls)}; give one of them`,
    );
  }
  return given ?? inTls ?? remoteHost;
}

/**
 * RFC 8305 section 4 ordering, as AnyIO does it: IPv6 first when there is any IPv6 address (the
 * resolver's order within each family is kept), then the families alternate.
 */
export function interleaveFamilies(addresses: ResolvedAddress[]): ResolvedAddress[] {
  const preferred = addresses.filter((entry) => entry.family === "inet6");
  const other = addresses.filter((entry) => entry.family !== "inet6");
  const result: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(preferred.length, other.length); i++) {
    if (i < preferred.length) result.push(preferred[i]!);
    if (i < other.length) result.push(other[i]!);
  }
  return result;
}

/** Races staggered connection attempts; the loser sockets are released before this resolves or rejects. */
function happyEyeballs(
  targets: ResolvedAddress[],
  port: number,
  delay: number,
  local: ResolvedAddress[],
  localPort: number | undefined,
  tcpOptions: BackendTCPOptions,
  signal: AbortSignal | undefined,
): Promise<StreamTransport> {
  const backend = getBackend();
  // Built by assignment, not spreads: this runs on every connection.
  const attemptOptions = (target: ResolvedAddress, cancel: AbortSignal | undefined): BackendConnectTcpOptions => {
    const options: BackendConnectTcpOptions = { tcpOptions };
    if (local.length > 0) {
      const bindTo = local.find((entry) => entry.family === target.family);
      if (bindTo) options.localHost = bindTo.address;
    }
    if (localPort !== undefined) options.localPort = localPort;
    // Only when something can cancel the attempt: a backend may take a faster path
    // without one (Bun's Bun.connect cannot be cancelled).
    if (cancel !== undefined) options.signal = cancel;
    return options;
  };
  if (targets.length === 1 && signal === undefined) {
    // One address (an IP literal, a name with one address) and nothing that can cancel: there is
    // no race to run, so none of its bookkeeping (abort controller, settling every attempt) is
    // paid on each connection.
    const target = targets[0]!;
    return backend.connectTcp(target.address, port, attemptOptions(target, undefined)).catch(singleAttemptFailed);
  }
  return new Promise<StreamTransport>((resolve, reject) => {
    const cancelAll = new AbortController();
    const errors: unknown[] = [];
    const attempts: Array<Promise<void>> = [];
    let next = 0;
    let running = 0;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Aborting makes an exception object and an event: only worth it with an attempt to stop.
      if (running > 0) cancelAll.abort(new DOMException("another connection attempt won", "AbortError"));
      // Report only after every losing attempt has let go of its socket.
      void Promise.allSettled(attempts).then(outcome);
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    signal?.addEventListener("abort", onAbort, { once: true });

    const startNext = () => {
      if (settled || next >= targets.length) return;
      if (timer !== undefined) clearTimeout(timer);
      const target = targets[next++]!;
      running++;
      const attempt = backend.connectTcp(target.address, port, attemptOptions(target, cancelAll.signal)).then(
        (transport) => {
          running--;
          if (settled) return transport.close(0);
          finish(() => resolve(transport));
        },
        (error: unknown) => {
          running--;
          if (settled) return;
          // What the backend cannot do at all (an option it cannot set) fails every address
          // alike: it is the answer, not one failed attempt among others.
          if (error instanceof UnsupportedError) return finish(() => reject(error));
          errors.push(error);
          if (next < targets.length) startNext();
          else if (running === 0) finish(() => reject(attemptsFailed(errors)));
        },
      );
      attempts.push(attempt);
      if (next < targets.length) timer = setTimeout(startNext, delay);
    };
    startNext();
  });
}

/** What connectTcp rejects with once every attempt failed: the only error, or all of them, as `cause`. */
function attemptsFailed(errors: unknown[]): ConnectionFailed {
  const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, "every connection attempt failed");
  return new ConnectionFailed("All connection attempts failed", { cause });
}
