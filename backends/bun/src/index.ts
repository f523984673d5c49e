/**
 * `@portio/bun`: portio's backend for Bun. Importing it registers nothing; `import "portio"`
 * does that, or call {@link register} yourself.
 *
 * @example
 * ```ts
 * import { register } from "@portio/bun";
 * register();
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { bunBackend } from "./backend.ts";

export { bunBackend } from "./backend.ts";
export { BunStreamTransport, type BunStreamTransportOptions, DEFAULT_READ_HIGH_WATER_MARK } from "./stream-transport.ts";
export { BunListenerTransport, type BunListenerTransportOptions } from "./listener-transport.ts";
export { BunDatagramTransport, type BunDatagramTransportOptions } from "./datagram-transport.ts";
export { createBunFfiBinder, getBunFfiBinder } from "./libc-binder.ts";

/**
 * Makes {@link bunBackend} the backend every portio call dispatches to.
 *
 * @example
 * ```ts
 * import { connectTcp } from "@portio/core";
 * import { register } from "@portio/bun";
 * register();
 * const stream = await connectTcp("example.com", 80);
 * ```
 */
export function register(): void {
  setBackend(bunBackend);
}
