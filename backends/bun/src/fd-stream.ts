import type { Socket } from "bun";
import { streamHandlers } from "./socket-handlers.ts";
import type { BackendTCPOptions } from "@portio/core/backend";
import { BunStreamTransport, applyBunTcpOptions, type BunStreamTransportOptions } from "./stream-transport.ts";

/**
 * Hands a connected stream socket fd (TCP or Unix) to Bun with `Bun.connect({ fd })` and wraps
 * it. From then on Bun owns the fd and closes it when the transport closes.
 *
 * Bun reports no addresses for a socket it got as an fd, so the caller passes them (read with
 * getsockname / getpeername through libc). `tcpOptions` (TCP only) are applied before anything
 * else happens on the socket. Never `new net.Socket({ fd })`: in Bun it accepts
 * the fd and then stays silently inert (no data, no error).
 *
 * @example
 * ```ts
 * const transport = await streamFromFd(fd, { family: "unix", localAddress: "", remoteAddress: "" });
 * ```
 */
export async function streamFromFd(
  fd: number,
  options: BunStreamTransportOptions & { tcpOptions?: Partial<BackendTCPOptions> },
): Promise<BunStreamTransport> {
  let transport: BunStreamTransport | undefined;
  await Bun.connect<BunStreamTransport | undefined>({
    fd,
    allowHalfOpen: true,
    socket: streamHandlers((socket: Socket<BunStreamTransport>) => {
      if (options.tcpOptions) applyBunTcpOptions(socket, options.tcpOptions);
      transport = new BunStreamTransport(socket, options);
    }),
  } as unknown as Parameters<typeof Bun.connect<BunStreamTransport | undefined>>[0]);
  if (transport === undefined) throw new Error(`Bun.connect({ fd: ${fd} }) resolved without opening the socket`);
  return transport;
}
