/**
 * `@portio/deno`: portio's backend for Deno. Importing it registers nothing; `import "portio"`
 * does that (through the "deno" export condition), or call {@link register} yourself.
 *
 * Permissions: `--allow-net` for TCP and name resolution; `--allow-read` and `--allow-write` for
 * Unix socket paths; `--allow-ffi` for UDP, Unix datagrams, `socketpair()` and adopting fds;
 * `--unstable-net` only for `reusePort` on TCP listeners. A missing one fails with
 * `Deno.errors.NotCapable` naming the flag.
 *
 * @example
 * ```ts
 * import { register } from "@portio/deno";
 * register();
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { denoBackend } from "./backend.ts";

export { denoBackend } from "./backend.ts";
export { DenoStreamTransport, type DenoStreamTransportOptions } from "./stream-transport.ts";
export { DenoListenerTransport, type DenoListenerTransportOptions } from "./listener-transport.ts";
export { NetStreamTransport, type NetStreamTransportOptions } from "@portio/node-shared";
export { createDenoBinder, getDenoBinder } from "./libc-binder.ts";
export { hasUnstableNet, type PermissionFlag } from "./permissions.ts";

/**
 * Makes {@link denoBackend} the backend every portio call dispatches to.
 *
 * @example
 * ```ts
 * import { connectTcp } from "@portio/core";
 * import { register } from "@portio/deno";
 * register();
 * const stream = await connectTcp("example.com", 80);
 * ```
 */
export function register(): void {
  setBackend(denoBackend);
}
