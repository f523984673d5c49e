import type { BackendTCPOptions } from "../backend/backend.ts";
import { describeValue } from "../internal/abort.ts";

/**
 * TCP keep-alive: `false` off, `true` on with the idle time the socket already has (the system's
 * `net.ipv4.tcp_keepalive_time`, 7200 s by default on Linux), or on with `initialDelayMs` of
 * idleness before the first probe (`TCP_KEEPIDLE`, which counts whole seconds: the value is
 * rounded down to seconds, 1 000 to 32 767 000 ms). How often probes repeat and how many go
 * unanswered before the connection fails is the runtime's choice (Node and Bun: every second, 10
 * probes, once a delay is given; Deno: the system's).
 *
 * @example
 * ```ts
 * const stream = await connectTcp("db.internal", 5432, { keepAlive: { initialDelayMs: 60_000 } });
 * ```
 */
export type TCPKeepAlive = boolean | { initialDelayMs: number };

/**
 * The TCP socket options portio sets, on {@link connectTcp}, on {@link createTcpListener} (for
 * every accepted stream) and on a live stream (`setNoDelay` / `setKeepAlive`).
 */
export interface TCPSocketOptions {
  /**
   * `TCP_NODELAY`: send small writes at once instead of waiting to coalesce them (Nagle's
   * algorithm off). Default `true`, as AnyIO sets it on every TCP stream.
   */
  noDelay?: boolean;
  /** `SO_KEEPALIVE` (and `TCP_KEEPIDLE`), see {@link TCPKeepAlive}. Default: off. */
  keepAlive?: TCPKeepAlive;
}

/** The smallest and largest idle time before the first keep-alive probe (Linux's TCP_KEEPIDLE range, in ms). */
const MIN_KEEPALIVE_DELAY_MS = 1_000;
const MAX_KEEPALIVE_DELAY_MS = 32_767_000;

/** Checks `noDelay`; `undefined` is the default (on). */
export function checkNoDelay(noDelay: unknown): boolean {
  if (noDelay === undefined) return true;
  if (typeof noDelay !== "boolean") throw new TypeError(`noDelay must be true or false, got ${describeValue(noDelay)}`);
  return noDelay;
}

/** Checks `keepAlive` and turns it into what a backend applies; `undefined` is off. */
export function checkKeepAlive(keepAlive: unknown): Pick<BackendTCPOptions, "keepAlive" | "keepAliveIdleSeconds"> {
  if (keepAlive === undefined || keepAlive === false) return { keepAlive: false };
  if (keepAlive === true) return { keepAlive: true };
  if (typeof keepAlive !== "object" || keepAlive === null || Array.isArray(keepAlive)) {
    throw new TypeError(`keepAlive must be true, false or { initialDelayMs }, got ${describeValue(keepAlive)}`);
  }
  const delay = (keepAlive as { initialDelayMs?: unknown }).initialDelayMs;
  if (typeof delay !== "number" || !Number.isFinite(delay) || delay < MIN_KEEPALIVE_DELAY_MS || delay > MAX_KEEPALIVE_DELAY_MS) {
    throw new RangeError(
      `keepAlive.initialDelayMs must be a number of milliseconds from ${MIN_KEEPALIVE_DELAY_MS} to ${MAX_KEEPALIVE_DELAY_MS} ` +
        `(TCP_KEEPIDLE counts whole seconds, 1 to 32767), got ${describeValue(delay)}`,
    );
  }
  return { keepAlive: true, keepAliveIdleSeconds: Math.floor(delay / 1000) };
}

/** Checks both options of {@link TCPSocketOptions} at once, in the order a reader sees them. */
export function checkTcpSocketOptions(options: TCPSocketOptions): BackendTCPOptions {
  const noDelay = checkNoDelay(options.noDelay);
  // The usual case (no keep-alive) shares one frozen object: no allocation per connection.
  if (options.keepAlive === undefined || options.keepAlive === false) return noDelay ? NO_DELAY_ON : NO_DELAY_OFF;
  return { noDelay, ...checkKeepAlive(options.keepAlive) };
}

/** What {@link checkTcpSocketOptions} returns without keep-alive: shared, frozen (connectTcp reuses what it builds on them). */
export const NO_DELAY_ON: BackendTCPOptions = Object.freeze({ noDelay: true, keepAlive: false });
/** As {@link NO_DELAY_ON}, with Nagle's algorithm on. */
export const NO_DELAY_OFF: BackendTCPOptions = Object.freeze({ noDelay: false, keepAlive: false });
const NEW_NO_DELAY_ON: Partial<BackendTCPOptions> = Object.freeze({ noDelay: true });
const NEW_NO_DELAY_OFF: Partial<BackendTCPOptions> = Object.freeze({ noDelay: false });

/**
 * What a backend sets on a socket it has just made or accepted: `noDelay` (on when no options
 * came), and keep-alive only when it is asked for — a new socket has it off, so turning it off
 * would be one wasted call per connection.
 *
 * @example
 * ```ts
 * const options = newSocketTcpOptions(connectOptions.tcpOptions); // { noDelay: true }
 * ```
 */
export function newSocketTcpOptions(options: BackendTCPOptions | undefined): Partial<BackendTCPOptions> {
  if (options === undefined) return NEW_NO_DELAY_ON;
  if (options.keepAlive) return options;
  return options.noDelay ? NEW_NO_DELAY_ON : NEW_NO_DELAY_OFF;
}
