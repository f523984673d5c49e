/**
 * Certificate material: PEM text (several certificates may be concatenated) or its bytes, or a
 * list of those.
 */
export type TLSPem = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/**
 * Options of {@link TLSStream.wrap}, {@link TLSListener} and `connectTcp({ tls })`.
 *
 * Verification is on by default: a client checks the server's certificate chain against `ca`
 * (or the runtime's trusted roots) and its name against `hostname`. Turning a check off takes an
 * option whose name says it is insecure.
 *
 * @example
 * ```ts
 * const client: TLSOptions = { hostname: "localhost", ca: caPem, alpnProtocols: ["h2", "http/1.1"] };
 * const server: TLSOptions = { serverSide: true, cert: certPem, key: keyPem };
 * ```
 */
export interface TLSOptions {
  /**
   * The server's name: sent as SNI (unless it is an IP address) and checked against the
   * certificate. Giving it makes the stream a client by default.
   */
  hostname?: string;
  /** Which side of the handshake this is. Default: `true` when no `hostname` is given (as in AnyIO). */
  serverSide?: boolean;
  /** Trusted CA certificates; replaces the runtime's default roots when given. */
  ca?: TLSPem;
  /** This side's certificate chain (required on the server side; for mutual TLS on the client side). */
  cert?: TLSPem;
  /** The private key of `cert`, PEM. */
  key?: string | Uint8Array;
  /** ALPN protocols to offer (client) or accept (server), most preferred first. */
  alpnProtocols?: readonly string[];
  /**
   * AnyIO's `standard_compatible` (default `true`): the peer must end the session with a TLS
   * close_notify alert, so a bare end of the transport (a "ragged EOF", possibly a truncation
   * attack) is a `BrokenResourceError`, and `aclose()` sends close_notify. With `false`, a ragged
   * EOF is a plain `EndOfStream` and `aclose()` just closes the transport (what HTTPS clients
   * usually do).
   */
  standardCompatible?: boolean;
  /**
   * Server side: ask the client for a certificate and refuse the handshake unless it presents one
   * that chains to `ca` (mutual TLS). Default `false`.
   */
  requestClientCertificate?: boolean;
  /**
   * INSECURE: accept any peer certificate, unverified (chain and hostname). Only for tests and
   * for protocols that authenticate the peer some other way.
   */
  insecureSkipVerify?: boolean;
  /** INSECURE: verify the chain but not that the certificate names `hostname`. */
  insecureSkipHostnameCheck?: boolean;
}

/** TLS options for the client side of `connectTcp`: the host name comes from `tlsHostname` or the host. */
export type TLSClientOptions = Omit<TLSOptions, "serverSide" | "requestClientCertificate">;

/**
 * The peer's certificate as every backend reports it (a runtime-free subset of what the
 * runtimes offer).
 */
export interface TLSPeerCertificate {
  /** Subject distinguished name, e.g. `"CN=localhost"`. */
  subject: string;
  /** Issuer distinguished name. */
  issuer: string;
  /** Subject alternative names, e.g. `["DNS:localhost", "IP Address:127.0.0.1"]`. */
  subjectAltNames: string[];
  /** Serial number, upper-case hex. */
  serialNumber: string;
  /** Start of validity, as the runtime prints it. */
  validFrom: string;
  /** End of validity, as the runtime prints it. */
  validTo: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  fingerprint256: string;
  /** The certificate, DER-encoded. */
  raw: Uint8Array;
}
