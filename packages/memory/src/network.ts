import type { SocketAddress } from "@portio/core";
import {
  newSocketTcpOptions,
  type BackendConnectTcpOptions,
  type BackendTCPOptions,
  type ResolvedAddress,
} from "@portio/core/backend";
import {
  canonicalAddress,
  describeUnix,
  familyOf,
  formatEndpoint,
  isLoopback,
  isWildcard,
  reportUnix,
  unixKey,
} from "./addresses.ts";
import { copyOf } from "./bytes.ts";
import { manualClock, realClock, type MemoryClock } from "./clock.ts";
import { MemoryDatagramTransport, type DatagramRoute } from "./datagram.ts";
import { networkError } from "./errors.ts";
import type { FaultHandle, FaultRule } from "./faults.ts";
import { MemoryListener } from "./listener.ts";
import { deriveSeed, SeededRandom } from "./random.ts";
import { MemoryConnection, MemoryStreamTransport, type ConnectionFaults } from "./stream.ts";

/** Options of {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Seed of every random fault decision (datagram loss, duplication, reordering); default 1. */
  seed?: number;
  /** `"real"` (default): the runtime's timers. `"manual"`: time moves only through `network.clock.advance()`. */
  clock?: "real" | "manual" | MemoryClock;
  /** Bytes one direction of a stream buffers before `send()` waits (send and receive buffer together, as a loopback TCP pair holds); default 2 MiB. */
  streamBufferSize?: number;
  /** Datagrams a UDP socket queues before it drops new ones; default 1024. */
  udpQueueSize?: number;
  /** Datagrams a Unix datagram socket queues before senders wait; default 16. */
  unixDatagramQueueSize?: number;
  /** How long a connect that gets no answer (dropped SYN, full accept queue) waits before ETIMEDOUT; default 127 000 ms, Linux's. */
  connectTimeoutMs?: number;
  /** Addresses of the default host (besides loopback); default `["10.0.0.1", "fd00::1"]`. */
  addresses?: readonly string[];
  /** Extra names for the resolver: name → numeric addresses, in the order returned. */
  names?: Readonly<Record<string, readonly string[]>>;
}

interface IpBinding<T> {
  family: "inet" | "inet6";
  address: string;
  port: number;
  reusePort: boolean;
  owner: T;
}

const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_LAST = 65535;
/** Largest UDP payload: 65,535 minus the IPv4 and UDP headers (IPv6: minus the UDP header only). */
const MAX_UDP = { inet: 65_507, inet6: 65_527 } as const;
/** Linux's default Unix datagram limit (the sender's SO_SNDBUF). */
const MAX_UNIX_DATAGRAM = 212_992;

/**
 * A machine on a memory network: its addresses, ports and Unix paths. Every host also has the
 * loopback addresses (`127.0.0.0/8`, `::1`), which reach the host itself.
 *
 * @example
 * ```ts
 * const db = network.addHost("db", { addresses: ["10.0.0.5"] });
 * db.addAddress("fd00::5");
 * setBackend(memoryBackend(network, { host: db })); // code run now is on host "db"
 * ```
 */
export class MemoryHost {
  readonly #addresses: string[] = [];
  /** @internal */ readonly tcp: Array<IpBinding<MemoryListener>> = [];
  /** @internal */ readonly udp: Array<IpBinding<MemoryDatagramTransport>> = [];
  /** @internal ports held by connected TCP sockets */ readonly tcpPortsInUse = new Map<number, number>();
  /** @internal */ readonly unix = new Map<string, MemoryListener | MemoryDatagramTransport>();
  #nextPort = { tcp: EPHEMERAL_FIRST, udp: EPHEMERAL_FIRST };

  constructor(
    readonly network: MemoryNetwork,
    readonly name: string,
  ) {}

  /** The host's own (non-loopback) addresses, in the order added. */
  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** Gives the host another address (numeric IPv4 or IPv6). */
  addAddress(address: string): this {
    const canonical = canonicalAddress(address);
    const owner = this.network.hostOf(canonical);
    if (owner !== undefined && owner !== this) throw new Error(`${canonical} already belongs to host ${owner.name}`);
    if (isLoopback(canonical) || isWildcard(canonical))
      throw new RangeError(`${canonical} is not an address a host can own (loopback and wildcard addresses are every host's)`);
    if (owner === undefined) this.#addresses.push(canonical);
    return this;
  }

  /** @internal whether `address` (canonical) is this host's */
  owns(address: string): boolean {
    return isLoopback(address) || this.#addresses.includes(address);
  }

  /** @internal the source address this host uses to reach `destination` */
  sourceFor(destination: string): string {
    if (isLoopback(destination)) return destination;
    const family = familyOf(destination)!;
    const own = this.#addresses.find((address) => familyOf(address) === family);
    if (own === undefined)
      throw networkError(
        "ENETUNREACH",
        `network is unreachable: host ${this.name} has no ${family === "inet" ? "IPv4" : "IPv6"} address`,
      );
    return own;
  }

  /** @internal a free ephemeral port */
  ephemeralPort(protocol: "tcp" | "udp", family: "inet" | "inet6", address: string): number {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const port = this.#nextPort[protocol];
      this.#nextPort[protocol] = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      const busy =
        protocol === "tcp"
          ? this.tcpPortsInUse.has(port) || this.#conflicts(this.tcp, family, address, port, false)
          : this.#conflicts(this.udp, family, address, port, false);
      if (!busy) return port;
    }
    throw networkError("EADDRNOTAVAIL", `no free ${protocol.toUpperCase()} port left on host ${this.name}`);
  }

  /** @internal claims address:port, or throws EADDRINUSE */
  bind<T>(table: Array<IpBinding<T>>, binding: IpBinding<T>): void {
    if (this.#conflicts(table, binding.family, binding.address, binding.port, binding.reusePort)) {
      throw networkError(
        "EADDRINUSE",
        `address already in use: ${formatEndpoint(binding.address, binding.port)} on host ${this.name}`,
      );
    }
    table.push(binding);
  }

  /** @internal */
  unbind<T>(table: Array<IpBinding<T>>, owner: T): void {
    const index = table.findIndex((binding) => binding.owner === owner);
    if (index >= 0) table.splice(index, 1);
  }

  /** @internal every binding that receives traffic for address:port */
  lookup<T>(table: Array<IpBinding<T>>, address: string, port: number): Array<IpBinding<T>> {
    const family = familyOf(address);
    const exact = table.filter((binding) => binding.port === port && binding.family === family && binding.address === address);
    if (exact.length > 0) return exact;
    return table.filter((binding) => binding.port === port && binding.family === family && isWildcard(binding.address));
  }

  #conflicts<T>(table: Array<IpBinding<T>>, family: string, address: string, port: number, reusePort: boolean): boolean {
    return table.some(
      (binding) =>
        binding.port === port &&
        binding.family === family &&
        (binding.address === address || isWildcard(binding.address) || isWildcard(address)) &&
        !(reusePort && binding.reusePort),
    );
  }
}

interface ActiveRule {
  rule: FaultRule;
  random: SeededRandom;
  hits: number;
}

/** What a connection or datagram looks like to the fault rules. */
interface Traffic {
  protocol: "tcp" | "unix" | "udp" | "unix-dgram";
  from: MemoryHost;
  source?: string;
  destination?: string;
  port?: number;
  path?: string;
}

/**
 * An in-process network: hosts with addresses, ports and Unix paths, a resolver with names the
 * test defines, fault rules, and a clock. Give it to {@link memoryBackend} to run portio code on it.
 *
 * @example
 * ```ts
 * const network = createMemoryNetwork({ seed: 42 });
 * network.addHost("api", { addresses: ["10.0.0.2"], names: ["api.test"] });
 * network.addFault({ to: "api.test:443", connect: "refuse", times: 1 });
 * setBackend(memoryBackend(network));
 * ```
 */
export class MemoryNetwork {
  readonly clock: MemoryClock;
  readonly seed: number;
  /** The host a {@link memoryBackend} without `host` runs on: name `"local"`, addresses from the `addresses` option. */
  readonly defaultHost: MemoryHost;
  readonly #hosts = new Map<string, MemoryHost>();
  readonly #names = new Map<string, string[]>();
  readonly #rules: ActiveRule[] = [];
  #ruleCount = 0;
  readonly #connections = new Set<MemoryConnection>();
  readonly #connectionListeners = new Set<(connection: MemoryConnection) => void>();
  /** @internal */ readonly streamBufferSize: number;
  /** @internal */ readonly udpQueueSize: number;
  /** @internal */ readonly unixDatagramQueueSize: number;
  /** @internal */ readonly connectTimeoutMs: number;

  constructor(options: MemoryNetworkOptions = {}) {
    this.seed = options.seed ?? 1;
    this.clock =
      options.clock === "manual"
        ? manualClock()
        : options.clock === undefined || options.clock === "real"
          ? realClock()
          : options.clock;
    this.streamBufferSize = positive(options.streamBufferSize ?? 2 * 1024 * 1024, "streamBufferSize");
    this.udpQueueSize = positive(options.udpQueueSize ?? 1024, "udpQueueSize");
    this.unixDatagramQueueSize = positive(options.unixDatagramQueueSize ?? 16, "unixDatagramQueueSize");
    this.connectTimeoutMs = positive(options.connectTimeoutMs ?? 127_000, "connectTimeoutMs");
    this.#names.set("localhost", ["::1", "127.0.0.1"]);
    for (const [name, addresses] of Object.entries(options.names ?? {})) this.setName(name, addresses);
    this.defaultHost = this.addHost("local", { addresses: options.addresses ?? ["10.0.0.1", "fd00::1"] });
  }

  // ---- hosts and names ---------------------------------------------------------------------

  /** Adds a host with its addresses; `names` resolve to those addresses (the host's name does too). */
  addHost(name: string, options: { addresses?: readonly string[]; names?: readonly string[] } = {}): MemoryHost {
    if (this.#hosts.has(name)) throw new Error(`the network already has a host named ${JSON.stringify(name)}`);
    const host = new MemoryHost(this, name);
    this.#hosts.set(name, host);
    for (const address of options.addresses ?? []) host.addAddress(address);
    for (const alias of options.names ?? []) this.setName(alias, host.addresses);
    return host;
  }

  /** The host named `name`. */
  host(name: string): MemoryHost {
    const host = this.#hosts.get(name);
    if (host === undefined) throw new Error(`the network has no host named ${JSON.stringify(name)}`);
    return host;
  }

  /** The host that owns the (non-loopback) address, if any. */
  hostOf(address: string): MemoryHost | undefined {
    const canonical = canonicalAddress(address);
    for (const host of this.#hosts.values()) if (host.addresses.includes(canonical)) return host;
    return undefined;
  }

  /** Makes `name` resolve to `addresses` (numeric), in that order; an empty list makes it unresolvable (ENOTFOUND). */
  setName(name: string, addresses: readonly string[]): void {
    this.#names.set(name.toLowerCase(), addresses.map(canonicalAddress));
  }

  /**
   * Reverse lookup (getnameinfo): the first name set for `address` with {@link setName}
   * ("localhost" for the loopback addresses), else the name of the host that has it, else the
   * address itself, as getnameinfo(3) without NI_NAMEREQD.
   */
  nameOf(address: string): string {
    const canonical = canonicalAddress(address);
    for (const [name, addresses] of this.#names) if (addresses.includes(canonical)) return name;
    for (const [name, host] of this.#hosts) if (host.addresses.includes(canonical)) return name;
    return canonical;
  }

  /** The resolver: numeric addresses resolve to themselves, then names set with {@link setName}, then host names. */
  resolve(name: string, family?: "inet" | "inet6"): ResolvedAddress[] {
    const numeric = familyOf(name);
    let addresses: readonly string[] | undefined;
    if (numeric !== undefined) addresses = [canonicalAddress(name)];
    else addresses = this.#names.get(name.toLowerCase()) ?? this.#hosts.get(name)?.addresses;
    const found = (addresses ?? [])
      .map((address) => ({ family: familyOf(address)!, address }))
      .filter((entry) => family === undefined || entry.family === family);
    if (found.length === 0) throw networkError("ENOTFOUND", `getaddrinfo ENOTFOUND ${name} (no such name on the memory network)`);
    return found;
  }

  // ---- faults ------------------------------------------------------------------------------

  /** Adds a fault rule (see {@link FaultRule}); rules apply in the order added. */
  addFault(rule: FaultRule): FaultHandle {
    for (const key of ["loss", "duplicate", "reorder"] as const) {
      const p = rule[key];
      if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`${key} must be a probability from 0 to 1`);
    }
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0))
      throw new RangeError("times must be a non-negative integer");
    const active: ActiveRule = { rule, random: new SeededRandom(deriveSeed(this.seed, this.#ruleCount++)), hits: 0 };
    this.#rules.push(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        const index = this.#rules.indexOf(active);
        if (index >= 0) this.#rules.splice(index, 1);
      },
    };
  }

  /** Removes every fault rule. */
  clearFaults(): void {
    this.#rules.length = 0;
  }

  /** @internal the rules that apply to `traffic`, each counted as used once */
  matchingRules(traffic: Traffic): ActiveRule[] {
    const matched: ActiveRule[] = [];
    for (const active of [...this.#rules]) {
      if (!this.#matches(active.rule, traffic)) continue;
      active.hits++;
      if (active.rule.times !== undefined && active.hits >= active.rule.times) {
        // Used up: this use is its last.
        const index = this.#rules.indexOf(active);
        if (index >= 0) this.#rules.splice(index, 1);
        if (active.hits > active.rule.times) continue;
      }
      matched.push(active);
    }
    return matched;
  }

  #matches(rule: FaultRule, traffic: Traffic): boolean {
    if (rule.protocol !== undefined && rule.protocol !== traffic.protocol) return false;
    if (rule.from !== undefined && rule.from !== traffic.from.name && rule.from !== traffic.source) return false;
    if (rule.to === undefined) return true;
    const to = rule.to;
    if (to.startsWith("/") || to.startsWith("\0")) return traffic.path !== undefined && unixKey(to) === traffic.path;
    if (traffic.destination === undefined) return false;
    const { host, port } = splitEndpoint(to);
    if (port !== undefined && port !== traffic.port) return false;
    if (host === "") return true;
    if (familyOf(host) !== undefined) return canonicalAddress(host) === traffic.destination;
    if (this.#hosts.get(host)?.owns(traffic.destination) && !isLoopback(traffic.destination)) return true;
    return (this.#names.get(host.toLowerCase()) ?? []).includes(traffic.destination);
  }

  // ---- connections -------------------------------------------------------------------------

  /** The stream connections that are open (at least one side not closed yet). */
  get connections(): readonly MemoryConnection[] {
    return [...this.#connections];
  }

  /**
   * Calls `listener` with every new stream connection, before either side sees it: the place to
   * apply per-connection faults. Returns a function that stops the calls.
   */
  onConnection(listener: (connection: MemoryConnection) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** The next stream connection made (matching `filter`, if given). */
  nextConnection(filter?: (connection: MemoryConnection) => boolean): Promise<MemoryConnection> {
    return new Promise((resolve) => {
      const stop = this.onConnection((connection) => {
        if (filter && !filter(connection)) return;
        stop();
        resolve(connection);
      });
    });
  }

  /** @internal a new connection, announced to the connection listeners */
  newConnection(
    protocol: "tcp" | "unix",
    family: "inet" | "inet6" | "unix",
    client: SocketAddress,
    server: SocketAddress,
    faults: ConnectionFaults,
    onEnd: () => void,
  ): MemoryConnection {
    const connection: MemoryConnection = new MemoryConnection(protocol, family, client, server, {
      capacity: this.streamBufferSize,
      clock: this.clock,
      faults,
      onEnd: () => {
        this.#connections.delete(connection);
        onEnd();
      },
    });
    this.#connections.add(connection);
    for (const listener of [...this.#connectionListeners]) listener(connection);
    return connection;
  }

  /** @internal applies the connect-time faults of the rules; resolves with the stream faults */
  async connectFaults(
    rules: ActiveRule[],
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<ConnectionFaults & { halfOpen?: "client" | "server" }> {
    const faults: ConnectionFaults & { halfOpen?: "client" | "server" } = {};
    for (const { rule } of rules) {
      if (rule.connect === "refuse") throw networkError("ECONNREFUSED", `connection refused: ${what} (fault rule)`);
      if (rule.connect === "unreachable") throw networkError("EHOSTUNREACH", `no route to host: ${what} (fault rule)`);
      if (rule.connect === "timeout") {
        await this.clock.sleep(this.connectTimeoutMs, signal);
        throw networkError("ETIMEDOUT", `connection timed out: ${what} (fault rule)`);
      }
      if (rule.latencyMs !== undefined) faults.latencyMs = rule.latencyMs;
      if (rule.bandwidth !== undefined) faults.bandwidth = rule.bandwidth;
      if (rule.resetAfterBytes !== undefined) {
        faults.resetAfterBytes = rule.resetAfterBytes;
        if (rule.resetDirection !== undefined) faults.resetDirection = rule.resetDirection;
      }
      if (rule.stopReading !== undefined) faults.stopReading = rule.stopReading;
      if (rule.halfOpen !== undefined) faults.halfOpen = rule.halfOpen;
    }
    // The handshake takes a round trip on a slow link.
    if (faults.latencyMs) await this.clock.sleep(2 * faults.latencyMs, signal);
    return faults;
  }

  /** @internal waits for room in `listener`'s accept queue, bounded by connectTimeoutMs */
  async admit(listener: MemoryListener, signal: AbortSignal | undefined, what: string): Promise<void> {
    // The usual case, a queue with room, needs no timer and no AbortController.
    if (listener.tryAdmit()) return;
    const timeout = new AbortController();
    const cancel = this.clock.schedule(this.connectTimeoutMs, () =>
      timeout.abort(networkError("ETIMEDOUT", `connection timed out: ${what} (accept queue full)`)),
    );
    const onAbort = () => timeout.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await listener.admit(timeout.signal);
    } finally {
      cancel();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  // ---- datagrams ---------------------------------------------------------------------------

  /** @internal how the network carries one datagram */
  datagramRoute(host: MemoryHost): DatagramRoute {
    return {
      send: (from, data, to, closed) =>
        from.family === "unix" ? this.#sendUnix(host, from, data, to, closed) : this.#sendUdp(host, from, data, to),
      close: (socket) => {
        if (socket.family === "unix") {
          const key =
            typeof socket.local === "string" && socket.local === "" ? undefined : unixKey(socket.local as string | Uint8Array);
          if (key !== undefined && host.unix.get(key) === socket) host.unix.delete(key);
        } else {
          host.unbind(host.udp, socket);
        }
      },
    };
  }

  async #sendUdp(host: MemoryHost, from: MemoryDatagramTransport, data: Uint8Array, to: SocketAddress): Promise<void> {
    const family = from.family as "inet" | "inet6";
    if (data.byteLength > MAX_UDP[family])
      throw networkError("EMSGSIZE", `message too long: ${data.byteLength} bytes (UDP carries at most ${MAX_UDP[family]})`);
    const [rawHost, port] = to as readonly [string, number];
    const destination = canonicalAddress(rawHost);
    if (familyOf(destination) !== family)
      throw networkError("EAFNOSUPPORT", `cannot send to ${destination} from an ${family} socket`);
    const [localAddress, localPort] = from.local as readonly [string, number];
    const source = isWildcard(localAddress) ? host.sourceFor(destination) : localAddress;
    const target = isLoopback(destination) ? host : this.hostOf(destination);
    const rules = this.matchingRules({ protocol: "udp", from: host, source, destination, port });
    let copies = 1;
    let delay = 0;
    for (const { rule, random } of rules) {
      if (rule.connect === "unreachable") throw networkError("EHOSTUNREACH", `no route to host ${destination}`);
      if (random.chance(rule.loss ?? 0)) copies = 0;
      if (copies > 0 && random.chance(rule.duplicate ?? 0)) copies++;
      if (random.chance(rule.reorder ?? 0)) delay += rule.reorderDelayMs ?? 1;
      delay += rule.latencyMs ?? 0;
    }
    if (target === undefined || copies === 0) return; // UDP: nobody tells the sender
    const deliver = () => {
      const [binding] = target.lookup(target.udp, destination, port);
      const socket = binding?.owner;
      if (socket === undefined) return; // no ICMP errors on a memory network: the datagram is gone
      if (socket.remote !== undefined) {
        const [remoteHost, remotePort] = socket.remote as readonly [string, number];
        if (remoteHost !== source || remotePort !== localPort) return; // a connected socket takes its peer's only
      }
      for (let i = 0; i < copies; i++) socket.deliver(i === 0 ? data : copyOf(data), [source, localPort]);
    };
    if (delay > 0) this.clock.schedule(delay, deliver);
    else deliver();
  }

  async #sendUnix(
    host: MemoryHost,
    from: MemoryDatagramTransport,
    data: Uint8Array,
    to: SocketAddress,
    senderClosed: AbortSignal,
  ): Promise<void> {
    if (data.byteLength > MAX_UNIX_DATAGRAM)
      throw networkError(
        "EMSGSIZE",
        `message too long: ${data.byteLength} bytes (a Unix datagram carries at most ${MAX_UNIX_DATAGRAM})`,
      );
    const path = to as string | Uint8Array;
    const key = unixKey(path);
    const rules = this.matchingRules({ protocol: "unix-dgram", from: host, path: key });
    for (const { rule } of rules)
      if (rule.connect === "refuse") throw networkError("ECONNREFUSED", `connection refused: ${describeUnix(path)} (fault rule)`);
    let target: MemoryDatagramTransport | undefined;
    if (key === "" && from.peer !== undefined) target = from.peer;
    else {
      const bound = host.unix.get(key);
      if (bound === undefined) throw noUnixSocket(key, describeUnix(path));
      if (!(bound instanceof MemoryDatagramTransport))
        throw networkError("EPROTOTYPE", `${describeUnix(path)} is a stream socket`);
      target = bound;
    }
    if (target === undefined || target.closed)
      throw networkError("ECONNREFUSED", `connection refused: the socket at ${describeUnix(path)} is closed`);
    await target.waitForRoom(senderClosed);
    let delay = 0;
    for (const { rule } of rules) delay += rule.latencyMs ?? 0;
    const sender = from.local;
    if (delay > 0) this.clock.schedule(delay, () => target.deliver(data, sender));
    else target.deliver(data, sender);
  }

  /** @internal */
  udpSocket(
    host: MemoryHost,
    family: "inet" | "inet6",
    localHost: string,
    localPort: number,
    reusePort: boolean,
    remote?: readonly [string, number],
  ): MemoryDatagramTransport {
    const address = canonicalAddress(localHost);
    if (familyOf(address) !== family) throw networkError("EAFNOSUPPORT", `${address} is not an ${family} address`);
    if (!isWildcard(address) && !host.owns(address))
      throw networkError("EADDRNOTAVAIL", `cannot assign requested address: ${address} is not an address of host ${host.name}`);
    const port = localPort === 0 ? host.ephemeralPort("udp", family, address) : localPort;
    const socket = new MemoryDatagramTransport(family, [address, port], remote, this.udpQueueSize, this.datagramRoute(host));
    host.bind(host.udp, { family, address, port, reusePort, owner: socket });
    return socket;
  }

  /** @internal */
  unixDatagramSocket(
    host: MemoryHost,
    localPath: string | Uint8Array | undefined,
    remote?: string | Uint8Array,
  ): MemoryDatagramTransport {
    if (remote !== undefined) {
      // connect(2) checks that the peer exists.
      const bound = host.unix.get(unixKey(remote));
      if (bound === undefined) throw noUnixSocket(unixKey(remote), describeUnix(remote));
      if (!(bound instanceof MemoryDatagramTransport))
        throw networkError("EPROTOTYPE", `protocol wrong type for socket: ${describeUnix(remote)} is a stream socket`);
    }
    const local = localPath === undefined ? "" : reportUnix(localPath);
    const socket = new MemoryDatagramTransport(
      "unix",
      local,
      remote === undefined ? undefined : reportUnix(remote),
      this.unixDatagramQueueSize,
      this.datagramRoute(host),
    );
    if (localPath !== undefined) this.claimUnixPath(host, localPath, socket);
    return socket;
  }

  /** @internal */
  claimUnixPath(host: MemoryHost, path: string | Uint8Array, owner: MemoryListener | MemoryDatagramTransport): void {
    const key = unixKey(path);
    if (host.unix.has(key))
      throw networkError("EADDRINUSE", `address already in use: ${describeUnix(path)} on host ${host.name}`);
    host.unix.set(key, owner);
  }

  // ---- streams -----------------------------------------------------------------------------

  /** @internal a TCP connect from `host` */
  async connectTcp(
    host: MemoryHost,
    remoteHost: string,
    port: number,
    options: BackendConnectTcpOptions,
  ): Promise<MemoryStreamTransport> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const destination = canonicalAddress(remoteHost);
    const family = familyOf(destination)!;
    const what = formatEndpoint(destination, port);
    let source = options.localHost === undefined ? undefined : canonicalAddress(options.localHost);
    if (source !== undefined && !isWildcard(source) && !host.owns(source))
      throw networkError("EADDRNOTAVAIL", `cannot assign requested address: ${source} is not an address of host ${host.name}`);
    if (source === undefined || isWildcard(source)) source = host.sourceFor(destination);
    const rules = this.matchingRules({ protocol: "tcp", from: host, source, destination, port });
    const faults = await this.connectFaults(rules, signal, what);
    const target = isLoopback(destination) ? host : this.hostOf(destination);
    if (target === undefined)
      throw networkError("EHOSTUNREACH", `no route to host ${destination}: no host on the memory network has this address`);
    const [binding, ...others] = target.lookup(target.tcp, destination, port);
    if (binding === undefined) throw networkError("ECONNREFUSED", `connection refused: nothing listens on ${what}`);
    // reusePort: connections are spread over the listeners in turn.
    const listener = binding.owner;
    if (others.length > 0) {
      target.tcp.splice(target.tcp.indexOf(binding), 1);
      target.tcp.push(binding);
    }
    await this.admit(listener, signal, what);
    let localPort: number;
    try {
      signal?.throwIfAborted();
      localPort = options.localPort ? options.localPort : host.ephemeralPort("tcp", family, source);
      if (options.localPort && host.tcpPortsInUse.has(localPort))
        throw networkError("EADDRINUSE", `address already in use: local port ${localPort}`);
    } catch (error) {
      listener.cancelAdmission();
      throw error;
    }
    host.tcpPortsInUse.set(localPort, (host.tcpPortsInUse.get(localPort) ?? 0) + 1);
    const client: SocketAddress = [source, localPort];
    // The address the client asked for, also when the listener is bound to the wildcard.
    const server: SocketAddress = [destination, port];
    const connection = this.newConnection("tcp", family, client, server, faults, () => {
      const count = host.tcpPortsInUse.get(localPort) ?? 1;
      if (count <= 1) host.tcpPortsInUse.delete(localPort);
      else host.tcpPortsInUse.set(localPort, count - 1);
    });
    connection.setTcpOptions("client", newSocketTcpOptions(options.tcpOptions));
    connection.setTcpOptions("server", listener.tcpOptions ?? {});
    const clientEnd = new MemoryStreamTransport(connection, "client", family, client, server);
    listener.enqueue(new MemoryStreamTransport(connection, "server", family, server, client));
    if (faults.halfOpen) connection.halfOpen(faults.halfOpen);
    return clientEnd;
  }

  /** @internal */
  listenTcp(
    host: MemoryHost,
    localHost: string,
    port: number,
    options: { backlog: number; reusePort: boolean; tcpOptions?: BackendTCPOptions | undefined },
  ): MemoryListener {
    const address = canonicalAddress(localHost);
    const family = familyOf(address)!;
    if (!isWildcard(address) && !host.owns(address))
      throw networkError("EADDRNOTAVAIL", `cannot assign requested address: ${address} is not an address of host ${host.name}`);
    const actualPort = port === 0 ? host.ephemeralPort("tcp", family, address) : port;
    const listener: MemoryListener = new MemoryListener(family, [address, actualPort], options.backlog, () =>
      host.unbind(host.tcp, listener),
    );
    listener.tcpOptions = newSocketTcpOptions(options.tcpOptions);
    host.bind(host.tcp, { family, address, port: actualPort, reusePort: options.reusePort, owner: listener });
    return listener;
  }

  /** @internal */
  async connectUnix(
    host: MemoryHost,
    path: string | Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<MemoryStreamTransport> {
    signal?.throwIfAborted();
    const key = unixKey(path);
    const what = describeUnix(path);
    const rules = this.matchingRules({ protocol: "unix", from: host, path: key });
    const faults = await this.connectFaults(rules, signal, what);
    const listener = host.unix.get(key);
    if (listener === undefined) throw noUnixSocket(key, what);
    if (!(listener instanceof MemoryListener))
      throw networkError("EPROTOTYPE", `protocol wrong type for socket: ${what} is a datagram socket`);
    await this.admit(listener, signal, what);
    const server = listener.local;
    const connection = this.newConnection("unix", "unix", "", server, faults, () => {});
    const clientEnd = new MemoryStreamTransport(connection, "client", "unix", "", server);
    listener.enqueue(new MemoryStreamTransport(connection, "server", "unix", server, ""));
    if (faults.halfOpen) connection.halfOpen(faults.halfOpen);
    return clientEnd;
  }

  /** @internal */
  listenUnix(host: MemoryHost, path: string | Uint8Array, backlog: number): MemoryListener {
    const key = unixKey(path);
    const listener: MemoryListener = new MemoryListener("unix", reportUnix(path), backlog, () => {
      if (host.unix.get(key) === listener) host.unix.delete(key);
    });
    this.claimUnixPath(host, path, listener);
    return listener;
  }

  /** @internal `socketpair("stream")` */
  streamPair(): [MemoryStreamTransport, MemoryStreamTransport] {
    const connection = this.newConnection("unix", "unix", "", "", {}, () => {});
    return [
      new MemoryStreamTransport(connection, "client", "unix", "", ""),
      new MemoryStreamTransport(connection, "server", "unix", "", ""),
    ];
  }

  /** @internal `socketpair("dgram")` */
  datagramPair(host: MemoryHost): [MemoryDatagramTransport, MemoryDatagramTransport] {
    const a = new MemoryDatagramTransport("unix", "", "", this.unixDatagramQueueSize, this.datagramRoute(host));
    const b = new MemoryDatagramTransport("unix", "", "", this.unixDatagramQueueSize, this.datagramRoute(host));
    a.peer = b;
    b.peer = a;
    return [a, b];
  }
}

/** Nobody at a Unix address: a path names no file (ENOENT); an abstract name has no file to miss (ECONNREFUSED), as on Linux. */
function noUnixSocket(key: string, what: string): Error {
  return key.startsWith("\0")
    ? networkError("ECONNREFUSED", `connection refused: nothing listens on ${what}`)
    : networkError("ENOENT", `no such file or directory: no socket at ${what}`);
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/** `"host:port"`, `"[v6]:port"`, `":port"`, `"host"` → parts. */
function splitEndpoint(endpoint: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  if (bracketed)
    return bracketed[2] === undefined ? { host: bracketed[1]! } : { host: bracketed[1]!, port: Number(bracketed[2]) };
  if (familyOf(endpoint) === "inet6") return { host: endpoint };
  const colon = endpoint.lastIndexOf(":");
  if (colon >= 0 && /^\d+$/.test(endpoint.slice(colon + 1)))
    return { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
  return { host: endpoint };
}

/**
 * A new in-memory network. Hosts, names and faults are added to it; {@link memoryBackend} runs
 * portio on it.
 *
 * @example
 * ```ts
 * const network = createMemoryNetwork({ seed: 7, clock: "manual" });
 * setBackend(memoryBackend(network));
 * ```
 */
export function createMemoryNetwork(options?: MemoryNetworkOptions): MemoryNetwork {
  return new MemoryNetwork(options);
}
