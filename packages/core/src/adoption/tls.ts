/**
 * THE place where TLS plugs into adoption (`wrapClientSocket(fd, { tls })`,
 * `wrapServerSocket(fd, { tls })`, `listenFds`): options are checked before the socket is touched
 * (so that a bad option leaves the fd the caller's), then the adopted stream or listener is
 * wrapped by the TLS layer (`tls/apply-tls.ts`).
 *
 * @module
 */

import type { SocketListener } from "../sockets/socket-listener.ts";
import type { SocketStream } from "../sockets/socket-stream.ts";
import { applyTlsToListener, applyTlsToStream } from "../tls/apply-tls.ts";
import type { TLSListener } from "../tls/tls-listener.ts";
import type { TLSOptions } from "../tls/tls-options.ts";
import { resolveTlsOptions, type TLSStream } from "../tls/tls-stream.ts";

/**
 * The `tls` option of the wrap functions: `true` for defaults, or TLS options (the client or
 * server options of `TLSStream.wrap`). `false` / absent means no TLS.
 */
export type AdoptionTLSOption = boolean | TLSOptions;

/** True when `tls` asks for TLS. */
export function wantsTls(tls: AdoptionTLSOption | undefined): boolean {
  return tls !== undefined && tls !== false;
}

/**
 * Runs before adoption: refuses options that cannot work (a server without cert and key, a
 * client without hostname while the hostname check is on), so that the fd is not taken over for
 * nothing.
 */
export function checkTlsOption(tls: AdoptionTLSOption | undefined, side: "client" | "server"): void {
  if (!wantsTls(tls)) return;
  if (tls !== true && (typeof tls !== "object" || tls === null)) throw new TypeError("tls must be a boolean or TLS options");
  resolveTlsOptions({ ...(tls === true ? {} : tls), serverSide: side === "server" });
}

/** Wraps an adopted client stream in TLS (client side). The stream is closed if the handshake fails. */
export function applyClientTls(stream: SocketStream, tls: AdoptionTLSOption): Promise<TLSStream> {
  return applyTlsToStream(stream, tls);
}

/** Wraps an adopted listener so that it yields TLS streams. */
export async function applyServerTls(listener: SocketListener, tls: AdoptionTLSOption): Promise<TLSListener> {
  return applyTlsToListener(listener, tls);
}
