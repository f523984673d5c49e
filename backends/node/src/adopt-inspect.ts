/**
 * State detection for adoption on Node: `@portio/libc-socket`'s `inspectSocket` through koffi
 * (node:net cannot tell a listening Unix socket from a connected one, and anything that asks
 * Node would take the fd over), and waiting for a connect in progress.
 *
 * @module
 */

import net from "node:net";
import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { inspectSocket as libcInspect, waitForConnect as libcWaitForConnect } from "@portio/libc-socket";
import { getKoffiBinder } from "./libc-binder.js";

/**
 * What `fd` is. Rejects with the libc module's `SystemError` (`ENOTSOCK`, `EBADF`, ...), which
 * core turns into `InvalidSocketError`. Reads only: flags and a pending SO_ERROR stay as they are.
 *
 * @example
 * ```ts
 * const info = await inspectSocket(3); // { family: "inet", type: "stream", state: "listening", ... }
 * ```
 */
export async function inspectSocket(fd: number): Promise<SocketInfo> {
  return libcInspect(getKoffiBinder(), fd);
}

/**
 * Waits for the TCP connect in progress on `source` to finish. A `net.Socket` that Node is
 * connecting is waited for through its own events: libuv reads SO_ERROR itself when the connect
 * ends, and reading it here too could steal the error from it. A bare fd is polled for
 * writability, after which SO_ERROR holds the outcome.
 *
 * @example
 * ```ts
 * await waitForConnect({ fd }, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function waitForConnect(source: AdoptionSource, options: { signal?: AbortSignal }): Promise<void> {
  const { signal } = options;
  if (source.native instanceof net.Socket) {
    if (source.native.connecting) await connectEvent(source.native, signal);
    return;
  }
  await libcWaitForConnect(getKoffiBinder(), source.fd, options);
}

function connectEvent(socket: net.Socket, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: unknown): void => {
      socket.off("connect", onConnect);
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onConnect = (): void => done();
    const onError = (error: Error): void => done(error);
    const onAbort = (): void => done(signal!.reason);
    socket.once("connect", onConnect);
    socket.once("error", onError);
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}
