/**
 * The Worker that runs blocking `poll(2)` for the bun:ffi binder, since bun:ffi has no
 * asynchronous calls. Its source is a string so that it works both from the TypeScript sources
 * (tests) and from the bundled `dist/` without a second entry file: the Worker is started from a
 * Blob URL.
 *
 * Protocol: the main thread posts `{ buffer, nfds, timeout, library, errnoSymbol }` with `buffer`
 * a copy of the `struct pollfd` array (transferred); the worker polls on it and posts back
 * `{ buffer, result }`, `result` being poll's return value or `-errno` read on the worker's own
 * thread right after the call.
 * @module
 */

/** JavaScript run inside the Worker. */
export const POLL_WORKER_SOURCE = `
import { dlopen, FFIType, read } from "bun:ffi";
let lib;
self.onmessage = (event) => {
  const { buffer, nfds, timeout, library, errnoSymbol } = event.data;
  lib ??= dlopen(library, {
    poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    [errnoSymbol]: { args: [], returns: FFIType.ptr },
  }).symbols;
  const fds = new Uint8Array(buffer);
  const result = lib.poll(fds, nfds, timeout);
  const errno = result < 0 ? read.i32(lib[errnoSymbol](), 0) : 0;
  self.postMessage({ buffer, result: result < 0 ? -errno : result }, [buffer]);
};
`;
