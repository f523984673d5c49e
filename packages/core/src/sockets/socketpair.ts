import { getBackend } from "../backend/registry.ts";
import { ConnectedUNIXDatagramSocket } from "./datagram-sockets.ts";
import { UNIXSocketStream } from "./unix-socket-stream.ts";

/**
 * A connected pair of Unix sockets, for talking to yourself, a worker or a child process.
 *
 * @example
 * ```ts
 * const [a, b] = await socketpair();
 * await a.send(new TextEncoder().encode("ping"));
 * console.log(await b.receive());
 * ```
 */
export async function socketpair(type?: "stream"): Promise<[UNIXSocketStream, UNIXSocketStream]>;
/** A connected pair of Unix datagram sockets. */
export async function socketpair(type: "dgram"): Promise<[ConnectedUNIXDatagramSocket, ConnectedUNIXDatagramSocket]>;
export async function socketpair(
  type: "stream" | "dgram" = "stream",
): Promise<[UNIXSocketStream, UNIXSocketStream] | [ConnectedUNIXDatagramSocket, ConnectedUNIXDatagramSocket]> {
  if (type === "stream") {
    const [a, b] = await getBackend().socketpair("stream");
    return [new UNIXSocketStream(a), new UNIXSocketStream(b)];
  }
  if (type === "dgram") {
    const [a, b] = await getBackend().socketpair("dgram");
    return [new ConnectedUNIXDatagramSocket(a), new ConnectedUNIXDatagramSocket(b)];
  }
  throw new TypeError(`type must be "stream" or "dgram", got ${String(type)}`);
}
