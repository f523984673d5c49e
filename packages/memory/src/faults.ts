import type { ConnectionSide, ResetDirection } from "./stream.ts";

/**
 * A fault on a memory network: which traffic it applies to (`from`, `to`, `protocol`; all
 * optional, an empty match is all traffic) and what happens to it. Stream faults apply to
 * connections made after the rule was added; datagram faults to each datagram sent.
 *
 * @example
 * ```ts
 * network.addFault({ to: "api.test:443", connect: "refuse", times: 2 }); // two refusals, then through
 * network.addFault({ to: "10.0.0.2:53", protocol: "udp", loss: 0.3, duplicate: 0.1, reorder: 0.2 });
 * network.addFault({ from: "client", to: "db", latencyMs: 20, bandwidth: 1_000_000 });
 * ```
 */
export interface FaultRule {
  /** The sending side: a host name, or a numeric source address. */
  from?: string;
  /**
   * The destination: a host name, a name the resolver knows, or a numeric address, each with an
   * optional `:port` (`"[::1]:80"`, `":53"` for any address); or a Unix path / abstract name.
   */
  to?: string;
  /** Only this kind of traffic. */
  protocol?: "tcp" | "unix" | "udp" | "unix-dgram";
  /** The rule applies to this many matching connections (or datagrams), then retires. */
  times?: number;

  /** Connecting: `"refuse"` (ECONNREFUSED), `"unreachable"` (EHOSTUNREACH), `"timeout"` (no answer: ETIMEDOUT after the network's connectTimeoutMs, or the caller's signal first). */
  connect?: "refuse" | "unreachable" | "timeout";
  /** One-way delay in milliseconds of every byte (streams) or datagram. */
  latencyMs?: number;
  /** Bytes per second in each direction of a stream. */
  bandwidth?: number;
  /** Streams: reset the connection once this many bytes have crossed it (see {@link resetDirection}). */
  resetAfterBytes?: number;
  /** Which bytes {@link resetAfterBytes} counts; default `"both"`. */
  resetDirection?: ResetDirection;
  /** Streams: this side never reads (a zero receive window), so the other side's sends stall once the buffer is full. */
  stopReading?: ConnectionSide;
  /** Streams: the connection is made, then this side vanishes without FIN or reset (see {@link MemoryConnection.halfOpen}). */
  halfOpen?: ConnectionSide;
  /** Datagrams: probability (0 to 1) that a datagram is lost. */
  loss?: number;
  /** Datagrams: probability that a datagram arrives twice. */
  duplicate?: number;
  /** Datagrams: probability that a datagram is held back by {@link reorderDelayMs} so that later ones overtake it. */
  reorder?: number;
  /** How long a reordered datagram is held back; default 1 ms (on the network's clock). */
  reorderDelayMs?: number;
}

/**
 * A rule added with {@link MemoryNetwork.addFault}.
 *
 * @example
 * ```ts
 * const refusal = network.addFault({ to: "api.test:443", connect: "refuse" });
 * // ... after the code under test ran:
 * console.log(refusal.hits); // how many connects were refused
 * refusal.remove();
 * ```
 */
export interface FaultHandle {
  /** How many connections or datagrams the rule has applied to. */
  readonly hits: number;
  /** Removes the rule; connections it already shaped keep their faults. */
  remove(): void;
}
