import { connectTcp, connectUnix, createTcpListener, createUnixListener, getaddrinfo, setBackend } from "@portio/core";
import { describe } from "./assert.js";
import type { Capability } from "./case.js";
import type { ConformanceHarness } from "./harness.js";

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

async function warmUp(harness: ConformanceHarness): Promise<void> {
  const tcp = await createTcpListener({ localHost: "127.0.0.1" });
  try {
    const port = (tcp.listeners[0] as unknown as { extra: typeof tcp.extra }).extra === undefined ? 0 : 0;
    void port;
  } finally {
    await tcp.aclose();
  }
  void connectTcp;
  void connectUnix;
  void harness;
}
