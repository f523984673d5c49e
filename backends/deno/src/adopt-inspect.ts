/**
 * State detection for adoption on Deno: `@portio/libc-socket`'s `inspectSocket` through the
 * `Deno.dlopen` binder (nothing in Deno's own API can look at an fd without taking it over), and
 * waiting for a connect in progress. Needs `--allow-ffi`.
 *
 * @module
 */

import type { SocketInfo } from "@portio/core";
import type { AdoptionSource } from "@portio/core/backend";
import { inspectSocket as libcInspect, waitForConnect as libcWaitForConnect } from "@portio/libc-socket";
import { getDenoBinder } from "./libc-binder.ts";

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
  return libcInspect(getDenoBinder(), fd);
}

/**
 * Waits for the TCP connect in progress on `source.fd` to finish: writability, then SO_ERROR
 * holds the outcome.
 *
 * @example
 * ```ts
 * await waitForConnect({ fd }, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function waitForConnect(source: AdoptionSource, options: { signal?: AbortSignal }): Promise<void> {
  await libcWaitForConnect(getDenoBinder(), source.fd, options);
}
