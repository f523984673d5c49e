import {
  StapledObjectStream,
  TLSListener,
  TLSStream,
  connectTcp,
  createMemoryObjectStream,
  type AnyByteStream,
  type TLSOptions,
} from "@portio/core";
import { fail } from "../assert.ts";
import type { TLSTestCertificates } from "../harness.ts";
import type { CaseContext } from "../context.ts";
import { loopbackListener, tcpPair } from "./tcp.ts";

/** The harness's certificates; a harness without them fails the TLS cases with this note. */
export async function certificates(t: CaseContext): Promise<TLSTestCertificates> {
  if (t.harness.tlsCertificates === undefined) {
    return fail("the harness has no tlsCertificates(): the TLS cases need a CA, server and client certificate from the runtime");
  }
  return t.harness.tlsCertificates();
}

/** Server options with the harness's server certificate. */
export async function serverOptions(t: CaseContext, extra: TLSOptions = {}): Promise<TLSOptions> {
  const c = await certificates(t);
  return { serverSide: true, cert: c.serverCert, key: c.serverKey, ...extra };
}

/** Client options that trust the harness's CA and expect `localhost`. */
export async function clientOptions(t: CaseContext, extra: TLSOptions = {}): Promise<TLSOptions> {
  const c = await certificates(t);
  return { hostname: "localhost", ca: c.ca, ...extra };
}

/** Both handshakes at once over `[client, server]`; the TLS streams are closed after the case. */
export async function handshakePair(
  t: CaseContext,
  [clientTransport, serverTransport]: [AnyByteStream, AnyByteStream],
  client: TLSOptions,
  server: TLSOptions,
): Promise<[TLSStream, TLSStream]> {
  const [c, s] = await Promise.allSettled([TLSStream.wrap(clientTransport, client), TLSStream.wrap(serverTransport, server)]);
  if (c.status === "fulfilled") t.use(c.value);
  if (s.status === "fulfilled") t.use(s.value);
  if (c.status === "rejected") throw c.reason;
  if (s.status === "rejected") throw s.reason;
  return [c.value, s.value];
}

/** A TLS pair over loopback TCP, with the harness's certificates and `extra` options on both sides. */
export async function tlsPair(
  t: CaseContext,
  extra: { client?: TLSOptions; server?: TLSOptions } = {},
): Promise<[TLSStream, TLSStream]> {
  return handshakePair(t, await tcpPair(t), await clientOptions(t, extra.client), await serverOptions(t, extra.server));
}

/**
 * A TLS pair made the way connections that are TLS from their first byte are: `connectTcp({ tls })`
 * to a `TLSListener` (where a backend may run TLS natively on the socket, unlike
 * {@link tlsPair}'s `TLSStream.wrap()`, which must stay unwrappable). `extra.localHost` binds the
 * client's end first (a backend may stream such a socket differently). `[client, server]`, both
 * closed after the case.
 */
export async function connectionPair(
  t: CaseContext,
  extra: { client?: TLSOptions; server?: TLSOptions; localHost?: string } = {},
): Promise<[TLSStream, TLSStream]> {
  const { multi, host, port } = await loopbackListener(t);
  const listener = t.use(new TLSListener(multi, await serverOptions(t, extra.server)));
  const c = await certificates(t);
  const local = extra.localHost === undefined ? {} : { localHost: extra.localHost };
  const [client, server] = await Promise.all([
    connectTcp(host, port, { ...local, tls: { ca: c.ca, ...extra.client }, tlsHostname: "localhost" }),
    listener.accept(),
  ]);
  return [t.use(client as TLSStream), t.use(server)];
}

/** A connected pair of byte streams made of memory object streams (no socket at all). */
export function memoryPair(t: CaseContext): [AnyByteStream, AnyByteStream] {
  const [toServer, fromClient] = createMemoryObjectStream<Uint8Array>(16);
  const [toClient, fromServer] = createMemoryObjectStream<Uint8Array>(16);
  const client = t.use(new StapledObjectStream(toServer, fromServer));
  const server = t.use(new StapledObjectStream(toClient, fromClient));
  return [client, server];
}

/**
 * A client without a certificate meets a server that requires one: both handshakes, settled. A
 * client that completed its side is closed after the case.
 */
export async function handshakeWithoutClientCertificate(
  t: CaseContext,
): Promise<[client: PromiseSettledResult<TLSStream>, server: PromiseSettledResult<TLSStream>]> {
  const c = await certificates(t);
  const pair = await tcpPair(t);
  const [client, server] = await Promise.allSettled([
    TLSStream.wrap(pair[0], await clientOptions(t)),
    TLSStream.wrap(pair[1], await serverOptions(t, { ca: c.ca, requestClientCertificate: true })),
  ]);
  if (client.status === "fulfilled") t.use(client.value);
  if (server.status === "fulfilled") t.use(server.value);
  return [client, server];
}
