import { TypedAttribute } from "../typed-attributes.ts";
import type { TLSPeerCertificate } from "./tls-options.ts";

/**
 * Typed attributes of a {@link TLSStream} (a TLS stream also passes through every attribute of the
 * stream it wraps, e.g. all of {@link SocketAttribute}).
 *
 * @example
 * ```ts
 * const tls = await connectTcp("example.com", 443, { tls: { alpnProtocols: ["h2", "http/1.1"] } });
 * tls.extra(TLSAttribute.alpnProtocol); // "h2" or null
 * tls.extra(TLSAttribute.tlsVersion); // "TLSv1.3"
 * ```
 */
export const TLSAttribute: {
  readonly alpnProtocol: TypedAttribute<string | null>;
  readonly peerCertificate: TypedAttribute<TLSPeerCertificate | null>;
  readonly cipher: TypedAttribute<string>;
  readonly tlsVersion: TypedAttribute<string>;
  readonly serverSide: TypedAttribute<boolean>;
  readonly standardCompatible: TypedAttribute<boolean>;
} = {
  /** The negotiated ALPN protocol, or `null` if none was agreed. */
  alpnProtocol: new TypedAttribute<string | null>("alpnProtocol"),
  /** The peer's certificate, or `null` if it presented none (a client without one). */
  peerCertificate: new TypedAttribute<TLSPeerCertificate | null>("peerCertificate"),
  /** The cipher suite, e.g. `"TLS_AES_256_GCM_SHA384"`. */
  cipher: new TypedAttribute<string>("cipher"),
  /** The protocol version, e.g. `"TLSv1.3"`. */
  tlsVersion: new TypedAttribute<string>("tlsVersion"),
  /** Whether this side is the server. */
  serverSide: new TypedAttribute<boolean>("serverSide"),
  /** Whether ragged EOFs are refused and close_notify is sent (see `TLSOptions.standardCompatible`). */
  standardCompatible: new TypedAttribute<boolean>("standardCompatible"),
};
