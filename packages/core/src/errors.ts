/**
 * portio's exception classes. They mean what AnyIO's exceptions of the same names mean, so that
 * code handling them reads the same on every backend.
 *
 * @example
 * ```ts
 * try {
 *   await stream.receive();
 * } catch (error) {
 *   if (error instanceof EndOfStream) console.log("peer closed");
 *   else throw error;
 * }
 * ```
 * @module
 */

/** Base class so that `instanceof PortioError` catches every error portio raises by itself. */
export class PortioError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The peer closed its sending side: there is nothing more to receive. */
export class EndOfStream extends PortioError {
  constructor(message = "trying to read from a stream that has been closed from the other end") {
    super(message);
  }
}

/** The resource became unusable through an external cause (peer reset, I/O error); `cause` keeps it. */
export class BrokenResourceError extends PortioError {
  constructor(message = "the resource was rendered unusable due to external causes", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The resource was closed on this side (including a pending call woken by `aclose()`). */
export class ClosedResourceError extends PortioError {
  constructor(message = "the resource has been closed") {
    super(message);
  }
}

/** A second task tried a receive/send/accept while one is already running on the same resource. */
export class BusyResourceError extends PortioError {
  /** @param action what the other task is doing, e.g. `"reading from"` */
  constructor(readonly action: string) {
    super(`Another task is already ${action} this resource`);
  }
}

/** The stream ended before `receiveExactly` / `receiveUntil` could complete. */
export class IncompleteRead extends PortioError {
  constructor() {
    super("The stream was closed before the read operation could be completed");
  }
}

/** `receiveUntil` did not find its delimiter within `maxBytes`. */
export class DelimiterNotFound extends PortioError {
  constructor(readonly maxBytes: number) {
    super(`The delimiter was not found among the first ${maxBytes} bytes`);
  }
}

/**
 * A datagram arrived that was larger than the receive buffer. It was not delivered (a cut-off
 * datagram is not the datagram that was sent); the socket stays usable. `size` is its real size.
 */
export class DatagramTooLargeError extends PortioError {
  constructor(readonly size: number, readonly bufferSize: number) {
    super(`a ${size}-byte datagram did not fit the ${bufferSize}-byte receive buffer and was discarded`);
  }
}

/**
 * `receiveFds` got more file descriptors than its `maxfds` (the kernel cut the control data,
 * MSG_CTRUNC). The fds that did arrive were closed, so none leaks; the bytes that came with them
 * are in `data`, so no byte of the stream is lost, and the stream stays usable.
 */
export class FdsTruncated extends PortioError {
  constructor(readonly data: Uint8Array, readonly maxfds: number, readonly closedFds: number) {
    super(`more than maxfds (${maxfds}) file descriptors arrived; the ${closedFds} that did arrive were closed`);
  }
}

/** A `*Nowait` call would have had to wait. */
export class WouldBlock extends PortioError {
  constructor(message = "the operation would block") {
    super(message);
  }
}

/** `extra(attribute)` found no such attribute and no default was given. */
export class TypedAttributeLookupError extends PortioError {
  constructor(message = "Attribute not found") {
    super(message);
  }
}

/**
 * Connecting failed. `cause` holds the single attempt's error, or an `AggregateError` of every
 * attempt when several addresses were tried.
 */
export class ConnectionFailed extends PortioError {
  constructor(message = "All connection attempts failed", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why an fd or native socket was refused for adoption. */
export type InvalidSocketCode =
  | "ENOTSOCK"
  | "EBADF"
  | "NOT_CONNECTED"
  | "NOT_BOUND"
  | "NOT_LISTENING"
  | "FAMILY_MISMATCH"
  | "TYPE_MISMATCH"
  | "CONNECTED";

/** Adoption refused the socket; the fd is left open and unchanged. */
export class InvalidSocketError extends PortioError {
  constructor(readonly code: InvalidSocketCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The registered backend cannot do this on this platform. The message names the backend and what
 * to use instead.
 */
export class UnsupportedError extends PortioError {}
