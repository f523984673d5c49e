import type { BackendConnectTcpOptions } from "@portio/core/backend";
import { LibcSocket, constantsFor } from "@portio/libc-socket";
import { streamFromFd } from "./fd-stream.js";
import { getBunFfiBinder } from "./libc-binder.js";
import type { BunStreamTransport } from "./stream-transport.js";

/**
 * Connects from a chosen local address and/or port. `Bun.connect` has no option to bind before
 * connecting, so the socket is made, bound and connected through libc (the connect waits on the
 * libc reactor, so an abort cancels it and releases the fd at once), then handed to Bun with
 * `Bun.connect({ fd })`; from there on it is an ordinary Bun socket.
 *
 * @example
 * ```ts
 * const transport = await connectBoundTcp("127.0.0.1", 8080, { localHost: "127.0.0.1", localPort: 40000 });
 * ```
 */
export async function connectBoundTcp(host: string, port: number, options: BackendConnectTcpOptions): Promise<BunStreamTransport> {
  const family = host.includes(":") ? "inet6" : "inet";
  const binder = getBunFfiBinder();
  const C = constantsFor(binder.platform);
  const socket = LibcSocket.create(binder, family, "stream");
  let fd: number | undefined;
  try {
    // As node:net and AnyIO do when binding a client: a local port in TIME_WAIT can be reused.
    socket.setsockoptInt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    socket.bind([options.localHost ?? (family === "inet6" ? "::" : "0.0.0.0"), options.localPort ?? 0]);
    await socket.connect([host, port], { signal: options.signal });
    options.signal?.throwIfAborted();
    socket.setsockoptInt(C.IPPROTO_TCP, C.TCP_NODELAY, 1);
    const localAddress = socket.getsockname();
    const remoteAddress = socket.getpeername();
    fd = await socket.detach();
    return await streamFromFd(fd, { family, localAddress, remoteAddress });
  } catch (error) {
    if (fd === undefined) await socket.close();
    else binder.close(fd);
    throw error;
  }
}
