import type { StreamTransport } from "../backend/transports.ts";
import type { TLSPem, TLSPeerCertificate } from "./tls-options.ts";

/**
 * What core asks of {@link AsyncBackend.wrapTls}: {@link TLSOptions} with every default decided.
 */
export interface BackendTLSOptions {
  /** Which side of the handshake this is. */
  serverSide: boolean;
  /** Client side: SNI (unless an IP address) and the name checked against the certificate. */
  hostname?: string;
  /** Trusted CA certificates (PEM); the runtime's roots when absent. */
  ca?: TLSPem;
  /** This side's certificate chain (PEM). */
  cert?: TLSPem;
  /** The private key of `cert` (PEM). */
  key?: string | Uint8Array;
  /** ALPN protocols, most preferred first. */
  alpnProtocols?: readonly string[];
  /** Check the peer's chain (client: always asked for; server: only with `requestClientCertificate`). */
  verifyCertificate: boolean;
  /** Client side: check that the certificate names `hostname`. */
  verifyHostname: boolean;
  /** Server side: ask for a client certificate and refuse the handshake without a valid one. */
  requestClientCertificate: boolean;
  /** `aclose()` sends close_notify when true; closes the transport bare otherwise. */
  standardCompatible: boolean;
  /**
   * Whether the caller may `unwrap()` the session later: `true` for `TLSStream.wrap()` (STARTTLS
   * and its way back), `false` for the sessions that `connectTcp({ tls })`, `TLSListener` and the
   * adoption functions make, which are TLS from the first byte. A backend may run those natively on
   * the socket even when `standardCompatible`, where it can still tell a close_notify from a bare
   * end of the transport; their `unwrap()` may then reject with `UnsupportedError`.
   */
  unwrappable: boolean;
  /** Aborts the handshake (the transport is left to the caller, who closes it). */
  signal?: AbortSignal;
}

/**
 * The runtime's TLS session over a byte stream, as a {@link StreamTransport} carrying plaintext
 * plus what the handshake negotiated. Core's `TLSStream` adds everything else (busy/closed checks,
 * cancellation, the ragged-EOF policy, attributes).
 *
 * `read()` resolves `null` at the end of the TLS stream; {@link closeNotifyReceived} then tells
 * whether the peer ended it properly. `close()` sends close_notify first if the session was opened
 * with `standardCompatible`, and releases the TLS session, but never closes the wrapped stream:
 * `TLSStream` does that.
 */
export interface TLSTransport extends StreamTransport {
  /** The negotiated ALPN protocol, or `null`. */
  readonly alpnProtocol: string | null;
  /** The cipher suite's standard name, e.g. `"TLS_AES_256_GCM_SHA384"`. */
  readonly cipher: string;
  /** The protocol version, e.g. `"TLSv1.3"`. */
  readonly tlsVersion: string;
  /** The peer's certificate, or `null` if it sent none. */
  peerCertificate(): TLSPeerCertificate | null;
  /** After `read()` resolved `null`: `true` if the peer sent close_notify, `false` for a bare end of the transport. */
  readonly closeNotifyReceived: boolean;
  /**
   * The closing handshake without closing the wrapped stream: sends close_notify, waits for the
   * peer's, and resolves with the bytes that arrived after it (the start of the plaintext that
   * follows). Afterwards the wrapped stream carries plaintext again and this transport is spent.
   * Rejects with an `UnsupportedError` where the runtime cannot hand the stream back.
   */
  unwrap(signal?: AbortSignal): Promise<Uint8Array>;
}
