/**
 * State detection for adoption on Bun: `@portio/libc-socket`'s `inspectSocket` through bun:ffi
 * (nothing in Bun tells a listening Unix socket from a connected one without taking the fd), and
 * waiting for a connect in progress.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { inspectSocket as libcInspect, waitForConnect as libcWaitForConnect } from "@portio/libc-socket";
import { getBunFfiBinder } from "./libc-binder.js";

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
  return libcInspect(getBunFfiBinder(), fd);
}

/**
 * Waits for the TCP connect in progress on `source.fd` to finish: polls for writability through
 * the libc reactor, after which SO_ERROR holds the outcome.
 *
 * @example
 * ```ts
 * await waitForConnect({ fd }, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function waitForConnect(source: AdoptionSource, options: { signal?: AbortSignal }): Promise<void> {
  return libcWaitForConnect(getBunFfiBinder(), source.fd, options);
}
