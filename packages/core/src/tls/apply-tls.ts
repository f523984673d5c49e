import type { AnyByteStream, Listener } from "../abc/streams.ts";
import { TLSListener, type TLSListenerOptions } from "./tls-listener.ts";
import type { TLSOptions } from "./tls-options.ts";
import { TLSStream } from "./tls-stream.ts";

/** The `tls` option of the adoption functions: `true` (defaults) or the options. */
export type TLSOption = boolean | TLSOptions;

function optionsOf(tls: TLSOption): TLSOptions {
  return tls === true || tls === false ? {} : tls;
}

/**
 * Puts TLS on an adopted stream (client side unless `serverSide: true`) — what
 * `wrapClientSocket(fd, { tls })` does with its result. The stream is closed if the handshake
 * fails, since the caller never saw it.
 *
 * @example
 * ```ts
 * const stream = await applyTlsToStream(await SocketStream.fromSocket(fd), { hostname: "db.internal", ca });
 * ```
 */
export async function applyTlsToStream(stream: AnyByteStream, tls: TLSOption): Promise<TLSStream> {
  const options = optionsOf(tls);
  try {
    return await TLSStream.wrapConnection(stream, { ...options, serverSide: options.serverSide ?? false });
  } catch (error) {
    await stream.aclose();
    throw error;
  }
}

/**
 * Serves TLS on an adopted listener — what `wrapServerSocket(fd, { tls })` returns for a stream
 * listener. `tls` must carry `cert` and `key`.
 *
 * @example
 * ```ts
 * const listener = applyTlsToListener(await SocketListener.fromSocket(3), { cert, key });
 * ```
 */
export function applyTlsToListener<T extends AnyByteStream>(
  listener: Listener<T>,
  tls: TLSOption,
  listenerOptions?: TLSListenerOptions,
): TLSListener<T> {
  return new TLSListener(listener, optionsOf(tls), listenerOptions);
}
