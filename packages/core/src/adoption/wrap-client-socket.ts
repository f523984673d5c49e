import type { CallOptions } from "../abc/resource.ts";
import { ConnectionFailed } from "../errors.ts";
import { checkCallOptions, throwIfAborted } from "../internal/abort.ts";
import type { ConnectedUDPSocket, ConnectedUNIXDatagramSocket } from "../sockets/datagram-sockets.ts";
import type { SocketStream } from "../sockets/socket-stream.ts";
import type { UNIXSocketStream } from "../sockets/unix-socket-stream.ts";
import type { TLSStream } from "../tls/tls-stream.ts";
import { refuse } from "./errors.ts";
import { openConnectedUdp, openConnectedUnixDatagram, openStream } from "./from-socket.ts";
import { applyClientTls, checkTlsOption, wantsTls, type AdoptionTLSOption } from "./tls.ts";
import { inspectArgument, inspectFd, type Inspected, type SocketLike } from "./validate.ts";

/** Options of {@link wrapClientSocket}. */
export interface WrapClientSocketOptions extends CallOptions {
  /** Wrap the stream in TLS (client side; give `hostname`): resolves with a `TLSStream`. */
  tls?: AdoptionTLSOption;
}

/** What {@link wrapClientSocket} can return. */
export type ClientSocket = SocketStream | UNIXSocketStream | ConnectedUDPSocket | ConnectedUNIXDatagramSocket | TLSStream;

/**
 * Adopts a connected socket, choosing the class from what it is: a TCP stream gives a
 * `SocketStream`, a Unix stream a `UNIXSocketStream`, connected UDP a `ConnectedUDPSocket`,
 * a connected Unix datagram socket a `ConnectedUNIXDatagramSocket`.
 *
 * A TCP socket whose non-blocking connect is still in progress is waited for (abort with
 * `signal`); a connect that fails rejects with `ConnectionFailed`, its `cause` the system error.
 * A listening, bound or unbound socket is refused with `InvalidSocketError` code `NOT_CONNECTED`.
 *
 * On success the returned object owns the fd (its `aclose()` closes it); on any failure the fd is
 * left open, unchanged, and still yours.
 *
 * @example
 * ```ts
 * // fd 3 was inherited from a parent that connected it
 * const stream = await wrapClientSocket(3);
 * if (stream instanceof SocketStream) await stream.send(new TextEncoder().encode("hello"));
 * ```
 */
export async function wrapClientSocket(socket: SocketLike, options: WrapClientSocketOptions = {}): Promise<ClientSocket> {
  const { tls, signal } = checkCallOptions(options);
  throwIfAborted(signal);
  let inspected = await inspectArgument(socket);
  checkTlsOption(tls, "client");
  if (inspected.info.state === "connecting") inspected = await afterConnect(inspected, signal);
  const { info } = inspected;
  if (info.state !== "connected") throw refuse.notConnected(info);
  if (wantsTls(tls) && info.type !== "stream") throw refuse.type("stream", info.type, " (TLS needs a stream socket)");
  throwIfAborted(signal);
  if (info.type === "stream") {
    const stream = await openStream(inspected);
    return wantsTls(tls) ? applyClientTls(stream, tls!) : stream;
  }
  return info.family === "unix" ? openConnectedUnixDatagram(inspected) : openConnectedUdp(inspected);
}

/** Waits for a connect in progress and inspects again. */
async function afterConnect(inspected: Inspected, signal: AbortSignal | undefined): Promise<Inspected> {
  const { backend, source, info } = inspected;
  try {
    await backend.waitForConnect(source, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    const detail = error instanceof Error ? `: ${error.message}` : "";
    throw new ConnectionFailed(`the connect in progress on fd ${info.fd} failed${detail}`, { cause: error });
  }
  const after = await inspectFd(backend, source.fd);
  if (after.state !== "connected") {
    throw new ConnectionFailed(`the connect in progress on fd ${info.fd} did not complete (the socket is now ${after.state})`);
  }
  return { backend, source, info: after };
}
