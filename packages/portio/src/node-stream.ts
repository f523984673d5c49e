/**
 * `portio/node-stream`: portio byte streams as `node:stream` Duplexes, for libraries that take one
 * (node:http servers and clients, the `ws` WebSocket library, `pipeline()`). A separate entry
 * because it imports node:stream, which `@portio/core` never does; it works on every runtime that
 * has node:stream (Node, Deno, Bun). The WHATWG adapters (`toWebStreams`, `fromWebStreams`) are in
 * the main entry.
 *
 * @example
 * ```ts
 * import { connectTcp } from "portio";
 * import { toNodeDuplex } from "portio/node-stream";
 * const socket = toNodeDuplex(await connectTcp("127.0.0.1", 6379));
 * socket.pipe(process.stdout);
 * ```
 * @module
 */
export { toNodeDuplex, type NodeDuplexOptions } from "@portio/node-shared";
