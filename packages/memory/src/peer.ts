import type { SocketAddress } from "@portio/core";
import type { MemoryListener } from "./listener.ts";
import type { MemoryHost, MemoryNetwork } from "./network.ts";
import type { ConnectionSide, MemoryConnection, MemoryStreamTransport } from "./stream.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? encoder.encode(data) : data);

/**
 * A server the test drives step by step, without writing one: it listens on the memory network,
 * and each accepted connection is a {@link ScriptedConnection} whose every move (expect these
 * bytes, answer these, stall, reset, vanish) the test makes explicitly, at the moment it wants.
 *
 * @example
 * ```ts
 * const peer = await listenScriptedPeer(network, { port: 6379 });
 * const client = connectTcp("127.0.0.1", 6379); // the code under test
 * const conn = await peer.accept();
 * await conn.expect("PING\r\n");
 * await conn.send("+PO");
 * conn.reset(); // the client sees a BrokenResourceError in the middle of the reply
 * ```
 */
export class ScriptedPeer {
  constructor(
    readonly listener: MemoryListener,
    /** Where the peer listens. */
    readonly address: SocketAddress,
  ) {}

  /** The TCP port (for a TCP peer). */
  get port(): number {
    return (this.address as readonly [string, number])[1];
  }

  /** The next connection to the peer. */
  async accept(): Promise<ScriptedConnection> {
    const transport = await this.listener.accept();
    return new ScriptedConnection(transport);
  }

  /** Stops listening (connections not accepted yet are reset). */
  close(): Promise<void> {
    return this.listener.close();
  }
}

/**
 * The server end of one connection to a {@link ScriptedPeer}.
 *
 * @example
 * ```ts
 * const conn = await peer.accept();
 * const length = await conn.receiveExactly(4);
 * conn.stopReading(); // the client's sends now stall once the buffer is full
 * ```
 */
export class ScriptedConnection {
  #buffer = new Uint8Array(0);
  #eof = false;

  constructor(readonly transport: MemoryStreamTransport) {}

  /** The connection's fault controls (reset, shaping, ...) as a {@link MemoryConnection}. */
  get connection(): MemoryConnection {
    return this.transport.connection;
  }

  /** Receives exactly `n` bytes; rejects if the stream ends first. */
  async receiveExactly(n: number): Promise<Uint8Array> {
    while (this.#buffer.byteLength < n) {
      if (this.#eof) throw new Error(`the client ended the stream after ${this.#buffer.byteLength} of the ${n} bytes expected`);
      const chunk = await this.transport.read();
      if (chunk === null) this.#eof = true;
      else {
        const merged = new Uint8Array(this.#buffer.byteLength + chunk.byteLength);
        merged.set(this.#buffer);
        merged.set(chunk, this.#buffer.byteLength);
        this.#buffer = merged;
      }
    }
    const result = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return result;
  }

  /** Receives exactly the bytes of `expected` and checks them; rejects with both texts when they differ. */
  async expect(expected: string | Uint8Array): Promise<void> {
    const want = bytesOf(expected);
    const got = await this.receiveExactly(want.byteLength);
    if (!got.every((byte, i) => byte === want[i])) {
      throw new Error(
        `the scripted peer expected ${JSON.stringify(decoder.decode(want))} but received ${JSON.stringify(decoder.decode(got))}`,
      );
    }
  }

  /** Reads until the client ends its side; resolves with everything it sent meanwhile. */
  async expectEnd(): Promise<Uint8Array> {
    const rest: Uint8Array[] = [this.#buffer];
    this.#buffer = new Uint8Array(0);
    while (!this.#eof) {
      const chunk = await this.transport.read();
      if (chunk === null) this.#eof = true;
      else rest.push(chunk);
    }
    const total = new Uint8Array(rest.reduce((sum, part) => sum + part.byteLength, 0));
    let offset = 0;
    for (const part of rest) {
      total.set(part, offset);
      offset += part.byteLength;
    }
    return total;
  }

  /** Sends bytes (a string is UTF-8); resolves once the network took them. */
  send(data: string | Uint8Array): Promise<void> {
    return this.transport.write(bytesOf(data));
  }

  /** Half-closes: the client reads the end of the stream after what was sent. */
  sendEof(): Promise<void> {
    return this.transport.shutdownWrite();
  }

  /** Resets the connection: the client gets what was sent, then a `BrokenResourceError`. */
  reset(): void {
    this.connection.reset();
  }

  /** Stops reading: the client's sends stall once the buffer is full. */
  stopReading(): void {
    this.connection.stopReading("server");
  }

  /** Vanishes without FIN or reset (half-open): the client hears nothing more. */
  vanish(): void {
    this.connection.halfOpen("server" satisfies ConnectionSide);
  }

  /** Closes gracefully (FIN after what was sent). */
  close(): Promise<void> {
    return this.transport.close(0);
  }
}

/**
 * Starts a {@link ScriptedPeer} on `network`: TCP on `address` (default `127.0.0.1`) and `port`
 * (default 0: a free one) of `host` (default the network's default host), or a Unix stream
 * listener at `path`.
 *
 * @example
 * ```ts
 * const peer = await listenScriptedPeer(network, { host: network.host("api"), address: "10.0.0.2", port: 443 });
 * const unixPeer = await listenScriptedPeer(network, { path: "/run/app.sock" });
 * ```
 */
export async function listenScriptedPeer(
  network: MemoryNetwork,
  options: { host?: MemoryHost; address?: string; port?: number; path?: string | Uint8Array; backlog?: number } = {},
): Promise<ScriptedPeer> {
  const host = options.host ?? network.defaultHost;
  const backlog = options.backlog ?? 128;
  const listener =
    options.path !== undefined
      ? network.listenUnix(host, options.path, backlog)
      : network.listenTcp(host, options.address ?? "127.0.0.1", options.port ?? 0, { backlog, reusePort: false });
  return new ScriptedPeer(listener, listener.local);
}
