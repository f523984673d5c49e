import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { Socket, TLSOptions as BunTLSOptions } from "bun";
import type { AnyByteStream } from "@portio/core";
import type { BackendTLSOptions, StreamTransport, TLSTransport } from "@portio/core/backend";
import { handshakeError, wrapTls as wrapTlsOverStream } from "@portio/node-shared";
import { handedOverHandlers, tlsEventHandlers } from "./socket-handlers.ts";
import { BunStreamTransport } from "./stream-transport.ts";
import { BunTLSTransport } from "./tls-transport.ts";

/**
 * The Bun backend's `wrapTls`. Two paths, as on Node:
 *
 * - Fast path: the stream is a plain socket stream over a {@link BunStreamTransport},
 *   `standardCompatible` is false, nothing is in flight on it, and the requested side matches the
 *   socket's (Bun's `upgradeTLS` keeps the side the socket was made with: client for
 *   `Bun.connect`, server for a socket accepted by `Bun.listen`). Bun's own TLS then runs natively
 *   on the socket (`socket.upgradeTLS`), served by {@link BunTLSTransport}.
 * - Otherwise Bun's node:tls over a PortioDuplex pumping the portio stream (node-shared's
 *   `wrapTls`), which can tell close_notify from a bare FIN and unwrap.
 *
 * @example
 * ```ts
 * const session = await wrapTls(stream, { serverSide: false, hostname: "localhost", verifyCertificate: true,
 *   verifyHostname: true, requestClientCertificate: false, standardCompatible: false }, transport);
 * ```
 */
export function wrapTls(
  stream: AnyByteStream,
  options: BackendTLSOptions,
  native: StreamTransport | undefined,
): Promise<TLSTransport> {
  if (
    !options.standardCompatible &&
    native instanceof BunStreamTransport &&
    !(native instanceof BunTLSTransport) &&
    native.serverMode === options.serverSide
  ) {
    return wrapNative(stream, native, options);
  }
  return wrapTlsOverStream(stream, options, native, "bun");
}

/** ALPN protocol names in the wire format (each prefixed by its length), as Bun takes them. */
function alpnWire(protocols: readonly string[]): Uint8Array {
  const encoded = protocols.map((protocol) => new TextEncoder().encode(protocol));
  const wire = new Uint8Array(encoded.reduce((total, name) => total + 1 + name.byteLength, 0));
  let offset = 0;
  for (const name of encoded) {
    wire[offset++] = name.byteLength;
    wire.set(name, offset);
    offset += name.byteLength;
  }
  return wire;
}

/** Bun's TLS options for core's resolved ones. Certificate and hostname checks are decided in {@link wrapNative}. */
function bunTlsOptions(options: BackendTLSOptions): BunTLSOptions {
  const hostname = options.hostname;
  return {
    ...(options.ca !== undefined ? { ca: options.ca as BunTLSOptions["ca"] } : {}),
    ...(options.cert !== undefined ? { cert: options.cert as BunTLSOptions["cert"] } : {}),
    ...(options.key !== undefined ? { key: options.key as BunTLSOptions["key"] } : {}),
    ...(options.alpnProtocols !== undefined && options.alpnProtocols.length > 0
      ? { ALPNProtocols: alpnWire(options.alpnProtocols) }
      : {}),
    ...(options.serverSide
      ? {
          requestCert: options.requestClientCertificate,
          rejectUnauthorized: options.requestClientCertificate && options.verifyCertificate,
        }
      : {
          // SNI must not be an IP address (RFC 6066).
          ...(hostname !== undefined && isIP(hostname) === 0 ? { serverName: hostname } : {}),
          // Bun checks the hostname too when it rejects unauthorized peers, with no way to skip just
          // that; both checks are made in refusal() instead, from what the handshake reports.
          rejectUnauthorized: false,
        }),
  };
}

/** Why a finished handshake is refused, or `undefined`: the checks Bun reports but leaves to the caller. */
function refusal(transport: BunTLSTransport, options: BackendTLSOptions, authorizationError: Error | null): Error | undefined {
  if (options.serverSide) {
    if (!options.requestClientCertificate || !options.verifyCertificate) return undefined;
    if (authorizationError !== null) return authorizationError;
    if (transport.peerCertificate() === null) return new Error("the client presented no certificate");
    return undefined;
  }
  if (!options.verifyCertificate) return undefined;
  const code = (authorizationError as { code?: unknown } | null)?.code;
  if (authorizationError !== null && code !== "ERR_TLS_CERT_ALTNAME_INVALID") return authorizationError;
  if (options.verifyHostname && options.hostname !== undefined) {
    const certificate = transport.socket.getPeerCertificate() as PeerCertificate;
    return checkServerIdentity(options.hostname, certificate);
  }
  return undefined;
}

async function wrapNative(stream: AnyByteStream, plain: BunStreamTransport, options: BackendTLSOptions): Promise<TLSTransport> {
  options.signal?.throwIfAborted();
  let transport: BunTLSTransport | undefined;
  // Closing the plain stream closes the session (or, if the upgrade itself threw, nothing is left).
  const owner = { close: (flushTimeoutMs: number) => transport?.close(flushTimeoutMs) ?? Promise.resolve() };
  if (!plain.handOver(owner)) return wrapTlsOverStream(stream, options, plain, "bun");
  // Bun has no error of its own for bad options here: it throws from upgradeTLS.
  let rawSocket: Socket<unknown>;
  let tlsSocket: Socket<BunStreamTransport>;
  try {
    // The raw socket would otherwise pass every ciphertext chunk to its old `data` handler (see
    // handedOverHandlers). Only a client socket's handlers are its own: an accepted socket's are
    // its listener's, shared by every connection, so there the handler stays and ignores the
    // handed-over socket.
    if (!plain.serverMode) plain.socket.reload({ socket: handedOverHandlers });
    [rawSocket, tlsSocket] = plain.socket.upgradeTLS<BunStreamTransport>({
      tls: bunTlsOptions(options),
      socket: tlsEventHandlers as never,
    });
  } catch (error) {
    plain.ownerClosed(undefined);
    plain.socket.terminate();
    throw handshakeError(error, options.serverSide);
  }
  transport = new BunTLSTransport(tlsSocket, rawSocket, plain);
  const session = transport;
  try {
    await new Promise<void>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      session.onHandshakeOnce((success, error) => {
        signal?.removeEventListener("abort", onAbort);
        // Bun reports a hostname mismatch as a failed handshake even with rejectUnauthorized: false,
        // though the session is up; refusal() decides.
        const mismatch = (error as { code?: unknown } | null)?.code === "ERR_TLS_CERT_ALTNAME_INVALID";
        if (!success && !mismatch) {
          if (error === null) {
            const closed = new Error("the peer closed the connection before the TLS handshake completed") as Error & {
              code: string;
            };
            closed.code = "ECONNRESET";
            reject(closed);
          } else reject(error);
          return;
        }
        const refused = refusal(session, options, error);
        if (refused !== undefined) reject(refused);
        else resolve();
      });
    });
  } catch (error) {
    // The session and its socket go down together; the portio stream's close then just confirms it.
    await session.close(0);
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    throw handshakeError(error, options.serverSide);
  }
  return session;
}
