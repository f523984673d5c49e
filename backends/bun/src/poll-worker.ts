/**
 * The Worker that runs blocking `poll(2)` for the bun:ffi binder, since bun:ffi has no
 * asynchronous calls. Its source is a string so that it works both from the TypeScript sources
 * (tests) and from the bundled `dist/` without a second entry file: the Worker is started from a
 * Blob URL.
 *
 * Protocol: requests and results travel through one SharedArrayBuffer, not messages. Why: a
 * `postMessage` each way (with a buffer to transfer and an event to dispatch) cost about 5 µs of
 * CPU more per wait than `Atomics.notify` / `Atomics.waitAsync` on this machine (measured: a
 * 64-byte ping-pong with a peer in a child process, 26–29 against 30–36 µs per round trip,
 * alternating, six rounds). The layout is {@link POLL_CONTROL}'s, the `struct pollfd` array
 * follows at byte {@link POLL_FDS_OFFSET}. The main thread writes the array, the fd count and
 * the timeout, then bumps `REQUEST` and notifies; the worker, blocked in `Atomics.wait` on
 * `REQUEST`, polls, stores poll's result (or `-errno`, read on its own thread right after the
 * call) in `RESULT`, then sets `DONE` to the request's number and notifies. A message carries
 * only a (new, larger) buffer; `COMMAND` set to {@link POLL_COMMAND_RELOAD} makes the worker leave
 * its loop to receive it.
 * @module
 */

/** Int32 indices of the control words at the start of the shared buffer. */
export const POLL_CONTROL = { REQUEST: 0, DONE: 1, RESULT: 2, NFDS: 3, TIMEOUT: 4, COMMAND: 5 } as const;
/** `COMMAND`: leave the wait loop and take the buffer of the next message. */
export const POLL_COMMAND_RELOAD = 1;
/** Byte offset of the `struct pollfd` array in the shared buffer. */
export const POLL_FDS_OFFSET = 32;

/** JavaScript run inside the Worker. Each message: `{ buffer, library, errnoSymbol }`. */
export const POLL_WORKER_SOURCE = `
import { dlopen, FFIType, read } from "bun:ffi";
const { REQUEST, DONE, RESULT, NFDS, TIMEOUT, COMMAND } = ${JSON.stringify(POLL_CONTROL)};
let lib;
let seen = 0;
self.onmessage = (event) => {
  const { buffer, library, errnoSymbol } = event.data;
  seen = 0; // a new buffer's counters start at zero
  lib ??= dlopen(library, {
    poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    [errnoSymbol]: { args: [], returns: FFIType.ptr },
  }).symbols;
  const control = new Int32Array(buffer, 0, ${POLL_FDS_OFFSET} / 4);
  const fds = new Uint8Array(buffer, ${POLL_FDS_OFFSET});
  for (;;) {
    Atomics.wait(control, REQUEST, seen);
    seen = Atomics.load(control, REQUEST);
    if (control[COMMAND] === ${POLL_COMMAND_RELOAD}) {
      control[COMMAND] = 0;
      Atomics.store(control, DONE, seen);
      return; // the next message brings the new buffer
    }
    const result = lib.poll(fds, control[NFDS], control[TIMEOUT]);
    const errno = result < 0 ? read.i32(lib[errnoSymbol](), 0) : 0;
    Atomics.store(control, RESULT, result < 0 ? -errno : result);
    Atomics.store(control, DONE, seen);
    Atomics.notify(control, DONE);
  }
};
`;
