/**
 * `@portio/node`: portio's backend for Node.js. Importing it registers nothing; `import "portio"`
 * does that, or call {@link register} yourself.
 *
 * @example
 * ```ts
 * import { register } from "@portio/node";
 * register();
 * ```
 * @module
 */
import { setBackend } from "@portio/core";
import { nodeBackend } from "./backend.ts";

export { nodeBackend } from "./backend.ts";
// The stream transport is @portio/node-shared's; exported under the name it has always had here.
export {
  NetStreamTransport as NodeStreamTransport,
  type NetStreamTransportOptions as NodeStreamTransportOptions,
} from "@portio/node-shared";
export { NodeListenerTransport, type NodeListenerTransportOptions } from "./listener-transport.ts";

/**
 * Makes {@link nodeBackend} the backend every portio call dispatches to.
 *
 * @example
 * ```ts
 * import { connectTcp } from "@portio/core";
 * import { register } from "@portio/node";
 * register();
 * const stream = await connectTcp("example.com", 80);
 * ```
 */
export function register(): void {
  setBackend(nodeBackend);
}
