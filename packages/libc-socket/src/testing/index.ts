/**
 * `@portio/libc-socket/testing`: test support for backends' conformance harnesses (not for
 * production code): raw sockets made through libc, in the states the adoption cases ask for.
 *
 * @example
 * ```ts
 * import { libcRawSockets } from "@portio/libc-socket/testing";
 * const rawSockets = libcRawSockets(getBunFfiBinder());
 * ```
 * @module
 */
export { libcRawSockets } from "./raw-sockets.ts";
export { reactorIdle } from "./idle.ts";
export { libcTcpOptionReader } from "./tcp-options.ts";
