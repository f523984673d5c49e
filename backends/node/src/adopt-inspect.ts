/**
 * Waiting for a connect in progress on Node, where a `net.Socket` has its own events; state
 * detection and bare fds are the shared libc adoption's.
 *
 * @module
 */

import net from "node:net";
import type { AdoptionSource } from "@portio/core/backend";
import { loadLibcSocket } from "@portio/node-shared";
import { getKoffiBinder } from "./libc-binder.ts";

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
  await (await loadLibcSocket()).waitForConnect(getKoffiBinder(), source.fd, options);
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
