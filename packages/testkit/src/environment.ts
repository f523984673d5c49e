import {
  SocketAttribute,
  SocketListener,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  getaddrinfo,
  setBackend,
  type SocketStream,
} from "@portio/core";
import { describe } from "./assert.ts";
import type { Capability } from "./case.ts";
import type { ConformanceHarness } from "./harness.ts";

/** What the suite found out about the machine before the cases run. */
export interface Environment {
  /** Each missing capability with the reason, in words; a capability not listed is available. */
  missing: Partial<Record<Capability, string>>;
  /** The families `"localhost"` resolves to here, in resolver order, without repeats. */
  localhostFamilies: Array<"inet" | "inet6">;
}

/**
 * Probes the capabilities once, through the backend under test (as AnyIO does: IPv6 is there if
 * `::1` can be bound), then warms the backend up: runtimes create some things lazily on first use
 * (resolver threads, internal handles), and that first use must not count as a leak in whichever
 * case happens to run first.
 */
export async function probeEnvironment(harness: ConformanceHarness): Promise<Environment> {
  setBackend(harness.backend);
  const missing: Partial<Record<Capability, string>> = {};

  try {
    const listener = await createTcpListener({ localHost: "::1" });
    await listener.aclose();
  } catch (error) {
    missing.ipv6 = `IPv6 is not available: ::1 cannot be bound (${describe(error)})`;
  }

  try {
    const listener = await createUnixListener(`\0portio-probe-${crypto.randomUUID()}`);
    await listener.aclose();
  } catch (error) {
    missing.abstractUnix = `abstract Unix socket names are not available (a Linux feature): ${describe(error)}`;
  }

  if (harness.rawSockets === undefined) {
    missing.rawSockets =
      harness.rawSocketsUnavailable ??
      "the harness has no rawSockets factory, so no raw fds to adopt (adoption cases need the runtime to make sockets portio does not own)";
  }

  if (harness.socketFiles === undefined) {
    missing.socketFiles = missing.otherUser =
      "the harness has no socketFiles tools, so the Unix socket file cases cannot look at or change the file system";
  } else {
    const dir = await harness.makeTempDir();
    try {
      const prober = await harness.socketFiles.probeAsOtherUser(dir, `${dir}/socket`);
      await prober.stop();
    } catch (error) {
      missing.otherUser = `no second user to connect as: ${describe(error)}`;
    } finally {
      await harness.removeDir(dir);
    }
  }

  if (harness.spawnProcess === undefined) {
    missing.processes =
      "the harness has no spawnProcess, so no peer in another process (the cases that kill their peer process need one)";
  }

  if (harness.tcpOptions === undefined) {
    missing.tcpOptions =
      "the harness has no tcpOptions reader, so the kernel cannot be asked what TCP_NODELAY and SO_KEEPALIVE hold";
  }

  let localhostFamilies: Array<"inet" | "inet6"> = [];
  try {
    localhostFamilies = [...new Set((await getaddrinfo("localhost")).map((info) => info.family))];
  } catch {
    // The cases that need "localhost" fail with the resolver's error themselves.
  }

  await warmUp(harness).catch(() => {
    // A backend that cannot even do this fails the cases, which say why.
  });
  return { missing, localhostFamilies };
}

/** One TCP and one Unix round trip (resolving "localhost" on the way), everything closed again. */
async function warmUp(harness: ConformanceHarness): Promise<void> {
  const tcp = await createTcpListener({ localHost: "127.0.0.1" });
  try {
    const listener = tcp.listeners[0];
    if (!(listener instanceof SocketListener)) return;
    await roundTrip(connectTcp("localhost", tcp.extra(SocketAttribute.localPort)), listener);
  } finally {
    await tcp.aclose();
  }
  const dir = await harness.makeTempDir();
  try {
    const unix = await createUnixListener(`${dir}/socket`);
    try {
      await roundTrip(connectUnix(`${dir}/socket`), unix);
    } finally {
      await unix.aclose();
    }
  } finally {
    await harness.removeDir(dir);
  }
}

async function roundTrip(connecting: Promise<SocketStream>, listener: SocketListener<SocketStream>): Promise<void> {
  const [client, server] = await Promise.all([connecting, listener.accept()]);
  try {
    await client.send(new Uint8Array([1]));
    await server.receive();
  } finally {
    await client.aclose();
    await server.aclose();
  }
}
