import {
  SocketAttribute,
  SocketListener,
  connectTcp,
  createTcpListener,
  type CreateTcpListenerOptions,
  type MultiListener,
  type SocketStream,
} from "@portio/core";
import { equal, instanceOf } from "../assert.ts";
import type { CaseDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";

/** An IP address family as the cases parametrise it. */
export type IPFamily = "inet" | "inet6";

/** The loopback address of each family: cases only ever listen and connect there. */
export const LOOPBACK: Readonly<Record<IPFamily, string>> = { inet: "127.0.0.1", inet6: "::1" };

/** Case-name parameter for a family, as AnyIO's test ids spell it. */
export const FAMILY_ID: Readonly<Record<IPFamily, string>> = { inet: "ipv4", inet6: "ipv6" };

/**
 * Makes `"localhost"` resolve, for the rest of the case, to exactly these loopback addresses in
 * this order, whatever the machine's hosts file says (AnyIO's `fake_localhost_dns` does the same
 * to get a deterministic dual-stack name).
 */
export function fakeLocalhost(t: CaseContext, families: readonly IPFamily[]): void {
  t.resolveNames({ localhost: families.map((family) => ({ family, address: LOOPBACK[family] })) });
}

/** A listener on one loopback address, with its only {@link SocketListener} and port. */
export interface LoopbackListener {
  multi: MultiListener<SocketStream>;
  listener: SocketListener;
  host: string;
  port: number;
}

/** Listens on the loopback address of `family`, port 0; closed after the case. */
export async function loopbackListener(
  t: CaseContext,
  family: IPFamily = "inet",
  options: Omit<CreateTcpListenerOptions, "localHost"> = {},
): Promise<LoopbackListener> {
  const host = LOOPBACK[family];
  const multi = t.use(await createTcpListener({ ...options, localHost: host }));
  equal(multi.listeners.length, 1, `createTcpListener({ localHost: "${host}" }) listener count`);
  const listener = multi.listeners[0];
  instanceOf(listener, SocketListener, "createTcpListener's listeners");
  return { multi, listener, host, port: listener.extra(SocketAttribute.localPort) };
}

/** A connected TCP pair over loopback: `[client, server]`, both closed after the case. */
export async function tcpPair(t: CaseContext, family: IPFamily = "inet"): Promise<[SocketStream, SocketStream]> {
  const { listener, host, port } = await loopbackListener(t, family);
  const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
  return [t.use(client), t.use(server)];
}

/**
 * A TCP port that was free a moment ago: bound with port 0 and the same options, then released.
 * Used only where a case needs a specific port (AnyIO's `free_tcp_port` does the same).
 */
export async function freeTcpPort(options: CreateTcpListenerOptions = { localHost: "127.0.0.1" }): Promise<number> {
  const listener = await createTcpListener({ ...options, localPort: 0 });
  try {
    return listener.extra(SocketAttribute.localPort);
  } finally {
    await listener.aclose();
  }
}

/** Where a client connects to reach a listener bound to `host` (wildcards mean loopback here). */
export function connectableHost(host: string): string {
  if (host === "0.0.0.0") return LOOPBACK.inet;
  if (host === "::") return LOOPBACK.inet6;
  return host;
}

/** One case per IP family, named `name[ipv4]` and `name[ipv6]`; the IPv6 one requires `::1`. */
export function perFamily(
  name: string,
  description: string,
  run: (t: CaseContext, family: IPFamily) => Promise<void>,
): CaseDefinition[] {
  return (["inet", "inet6"] as const).map((family) => ({
    name: `${name}[${FAMILY_ID[family]}]`,
    description,
    ...(family === "inet6" ? { requires: ["ipv6"] as const } : {}),
    run: (t: CaseContext) => run(t, family),
  }));
}
