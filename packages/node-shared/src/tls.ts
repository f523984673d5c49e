import type { TLSSocket } from "node:tls";
import { SocketAttribute, type AnyByteStream } from "@portio/core";
import type { BackendTLSOptions, StreamTransport } from "@portio/core/backend";
import { NetStreamTransport } from "./stream-transport.ts";
import { PortioDuplex } from "./tls-duplex.ts";
import { handshakeError, loadNodeTls, nodeTlsOptions } from "./tls-options.ts";
import { NodeTLSTransport } from "./tls-transport.ts";
import { nativeTlsEndObservable, nativeTlsOnSocketSupported, watchNativeTlsEnd } from "./node-internals.ts";

/**
 * A backend's `wrapTls` on `node:tls` (Node's, and Deno's, whose node:tls is the one TLS engine it
 * has that runs over any stream): a TLS session over a portio byte stream. `backend` names the
 * backend in the errors that say what it cannot do.
 *
 * Two paths. Over a plain socket stream, TLS runs natively on the `net.Socket`
 * (`tls.connect({ socket })` / `new tls.TLSSocket(socket, { isServer })`), the fastest Node has,
 * when the session need not be unwrappable (a connection that is TLS from its first byte) or is
 * not standard-compatible. Node then cannot hand the socket back, and reports close_notify and a
 * bare FIN alike; a standard-compatible session is still told them apart from the TCP handle's
 * state (`watchNativeTlsEnd`, Node itself only). Everything else — `TLSStream.wrap()` with
 * `standardCompatible` (it may unwrap), any other stream, Deno (see `nativeTlsOnSocketSupported`),
 * Bun's node:tls for standard-compatible sessions — goes through
 * a {@link PortioDuplex} that pumps the portio stream into the TLS engine and can tell the two
 * apart and unwrap.
 *
 * @example
 * ```ts
 * const session = await wrapTls(stream, { serverSide: false, hostname: "localhost", verifyCertificate: true,
 *   verifyHostname: true, requestClientCertificate: false, standardCompatible: true, unwrappable: true }, undefined, "node");
 * ```
 */
export async function wrapTls(
  stream: AnyByteStream,
  options: BackendTLSOptions,
  native: StreamTransport | undefined,
  backend: string,
): Promise<NodeTLSTransport> {
  options.signal?.throwIfAborted();
  const tls = await loadNodeTls();
  // Checked again before the stream is touched: handshake() listens only for an abort still to come.
  options.signal?.throwIfAborted();
  const family = stream.extra(SocketAttribute.family, "inet");
  const nodeOptions = nodeTlsOptions(options, tls);
  const onSocket = native instanceof NetStreamTransport && nativeTlsOnSocketSupported() ? native : undefined;
  const fast =
    onSocket !== undefined && (!options.standardCompatible || (!options.unwrappable && nativeTlsEndObservable(onSocket.socket)))
      ? onSocket
      : undefined;
  const pump = fast === undefined ? new PortioDuplex(stream) : undefined;
  const underlying = fast?.releaseSocket() ?? pump!;
  const socket = options.serverSide
    ? new tls.TLSSocket(underlying, nodeOptions)
    : tls.connect({ ...nodeOptions, socket: underlying });
  const transportEndedFirst = fast !== undefined && options.standardCompatible ? watchNativeTlsEnd(socket) : undefined;
  const transport = new NodeTLSTransport(socket, {
    family,
    backend,
    standardCompatible: options.standardCompatible,
    ...(pump ? { pump } : {}),
    ...(transportEndedFirst ? { transportEndedFirst } : {}),
  });
  try {
    await handshake(socket, transport.ended, options.serverSide, options.signal);
  } catch (error) {
    // Release the session; the portio stream stays open for the caller (on the fast path its
    // socket went down with the session, which closing the stream then just confirms).
    await transport.close(0);
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    throw handshakeError(error, options.serverSide);
  }
  return transport;
}

/** Waits for the handshake (and, on the client, Node's certificate checks) to finish. */
function handshake(socket: TLSSocket, ended: Promise<void>, serverSide: boolean, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      settled = true;
      socket.off(serverSide ? "secure" : "secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("_tlsError", onError);
      socket.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onSecure = (): void => {
      done();
      resolve();
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    let settled = false;
    const onClose = (): void => {
      if (settled) return;
      done();
      const error = new Error("the peer closed the connection before the TLS handshake completed") as Error & { code: string };
      error.code = "ECONNRESET";
      reject(error);
    };
    const onAbort = (): void => {
      done();
      reject(signal!.reason);
    };
    // A client's 'secure' comes before Node has checked the certificate; 'secureConnect' after.
    socket.once(serverSide ? "secure" : "secureConnect", onSecure);
    socket.once("error", onError);
    // A server-side TLSSocket without a tls.Server reports handshake errors only as this event.
    socket.once("_tlsError", onError);
    socket.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
    // The peer went away mid-handshake: with allowHalfOpen, Node reports only the end of the stream.
    // A macrotask later, because Bun's node:tls ends the stream first and reports a failed
    // certificate check just after; the check's error is the one that says what went wrong.
    void ended.then(() => setTimeout(onClose, 0));
  });
}
