import { Buffer } from "node:buffer";
import net from "node:net";
import type tls from "node:tls";
import { BrokenResourceError, type TLSPem, type TLSPeerCertificate } from "@portio/core";
import type { BackendTLSOptions } from "@portio/core/backend";

/** PEM material as Node takes it. */
function pem(value: TLSPem): string | Buffer | Array<string | Buffer> {
  const one = (item: string | Uint8Array): string | Buffer =>
    typeof item === "string" ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength);
  return Array.isArray(value) ? value.map(one) : one(value as string | Uint8Array);
}

/** `node:tls` as a module object: what {@link nodeTlsOptions} is given (see {@link loadNodeTls}). */
export type NodeTls = typeof tls;

/**
 * `node:tls`, imported on first use rather than with this module: with the node:crypto it loads,
 * it made the heap of every Node program that imports portio, TLS or not, about 0.7 MB (some
 * 26,000 references) larger. Node 24 marks that heap again in each of the mark-compacts that a
 * bulk receive's 64 KiB read buffers set off (external memory pressure, about one per 70 MiB
 * received): allocating 2 GiB of such buffers after importing portio took 660,000 instructions
 * per MiB with node:tls loaded, 613,000 without (callgrind, --single-threaded).
 *
 * @example
 * ```ts
 * const tls = await loadNodeTls();
 * const secure = tls.connect({ socket, ...nodeTlsOptions(options, tls) });
 * ```
 */
export function loadNodeTls(): Promise<NodeTls> {
  return (tlsModule ??= import("node:tls").then((module) => module.default));
}

let tlsModule: Promise<NodeTls> | undefined;

/**
 * The `node:tls` options for core's resolved TLS options (everything but the socket).
 *
 * @example
 * ```ts
 * const tls = await loadNodeTls();
 * const secure = tls.connect({ socket, ...nodeTlsOptions(options, tls) });
 * ```
 */
export function nodeTlsOptions(options: BackendTLSOptions, tls: NodeTls): tls.TLSSocketOptions & tls.ConnectionOptions {
  const secureContext = tls.createSecureContext({
    ...(options.ca !== undefined ? { ca: pem(options.ca) } : {}),
    ...(options.cert !== undefined ? { cert: pem(options.cert) } : {}),
    ...(options.key !== undefined ? { key: pem(options.key) as string | Buffer } : {}),
  });
  const common = {
    secureContext,
    ...(options.alpnProtocols !== undefined ? { ALPNProtocols: [...options.alpnProtocols] } : {}),
  };
  if (options.serverSide) {
    return {
      ...common,
      isServer: true,
      requestCert: options.requestClientCertificate,
      rejectUnauthorized: options.verifyCertificate,
    };
  }
  const hostname = options.hostname;
  return {
    ...common,
    // SNI must not be an IP address (RFC 6066); Node then checks the certificate against `host`.
    ...(hostname !== undefined && net.isIP(hostname) === 0 ? { servername: hostname } : {}),
    ...(hostname !== undefined ? { host: hostname } : {}),
    rejectUnauthorized: options.verifyCertificate,
    ...(options.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

/** OpenSSL's certificate verification results, as Node reports them in `error.code`. */
const VERIFY_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "HOSTNAME_MISMATCH",
]);

/**
 * The handshake failure as core reports it: a `BrokenResourceError` whose message says what
 * failed and whose `cause` is Node's error.
 */
export function handshakeError(error: unknown, serverSide: boolean): BrokenResourceError {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  let what: string;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") what = `hostname mismatch: ${message}`;
  else if (typeof code === "string" && VERIFY_CODES.has(code)) what = `certificate verify failed: ${message} (${code})`;
  else if (code === "ECONNRESET" || code === "EPIPE") what = `the connection closed during the handshake: ${message}`;
  else what = typeof code === "string" ? `${message} (${code})` : message;
  return new BrokenResourceError(`TLS handshake failed (${serverSide ? "server" : "client"} side): ${what}`, { cause: error });
}

/** Node's peer certificate in core's runtime-free shape. */
export function peerCertificate(socket: tls.TLSSocket): TLSPeerCertificate | null {
  const cert = socket.getPeerCertificate(false);
  if (cert === null || cert === undefined || Object.keys(cert).length === 0) return null;
  const dn = (fields: object | undefined): string =>
    Object.entries(fields ?? {})
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : String(value)}`)
      .join(", ");
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(", ") : [],
    serialNumber: cert.serialNumber,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    fingerprint256: cert.fingerprint256,
    raw: new Uint8Array(cert.raw),
  };
}

/**
 * What node:tls-shaped sockets (Node's `TLSSocket`, Bun's native TLS socket) say about the
 * negotiated session, in the form `TLSTransport` reports it.
 *
 * @example
 * ```ts
 * const alpn = negotiatedAlpn(socket); // "h2" or null
 * ```
 */
export function negotiatedAlpn(socket: { readonly alpnProtocol?: unknown }): string | null {
  const protocol = socket.alpnProtocol;
  return typeof protocol === "string" && protocol.length > 0 ? protocol : null;
}

/** The cipher suite's standard name (OpenSSL's name where there is no standard one). */
export function cipherName(socket: { getCipher(): { name: string; standardName?: string } }): string {
  const cipher = socket.getCipher();
  return cipher.standardName ?? cipher.name;
}
