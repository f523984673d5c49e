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

/** Options of the portio error constructors. */
export interface PortioErrorOptions {
  /** The error this one stems from; kept as `cause`. */
  cause?: unknown;
  /**
   * The OS error code; by default the one found in `cause` (see {@link osErrorCode}), else the
   * code of a TLS alert found there (see {@link tlsAlertCode}).
   */
  code?: string;
}

/**
 * Base class so that `instanceof PortioError` catches every error portio raises by itself.
 *
 * An error that stems from an OS error carries that error's code as `code` (`"ECONNREFUSED"`,
 * `"ECONNRESET"`, ...), as Node's own errors do; the runtime's original error stays in `cause`.
 * One that stems from a fatal TLS alert from the peer carries the runtime's code for the alert
 * (`"ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"`, ...).
 *
 * @example
 * ```ts
 * try {
 *   await connectTcp("127.0.0.1", 1);
 * } catch (error) {
 *   if (error instanceof PortioError && error.code === "ECONNREFUSED") console.log("nobody listens there");
 * }
 * ```
 */
export class PortioError extends Error {
  /** The OS error code this error stems from, if any (an own property only when there is one). */
  declare readonly code?: string;

  /** Creates the error; `options.cause` keeps what caused it, `options.code` overrides the OS code found there. */
  constructor(message?: string, options?: PortioErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    const code = options?.code ?? osErrorCode(options?.cause) ?? tlsAlertCode(options?.cause);
    if (code !== undefined)
      Object.defineProperty(this, "code", { value: code, enumerable: true, configurable: true, writable: true });
  }
}

/** POSIX error names (`EPIPE`, `ECONNREFUSED`, ...) as Node, Bun and Deno put them in `code`. */
const OS_ERROR_CODE = /^E[A-Z0-9]+$/;

/**
 * The OS error code (`"ECONNREFUSED"`, ...) behind `error`: its own `code` if that is a POSIX
 * error name, else its `cause`'s, and so on; for an `AggregateError` (several connection
 * attempts) the code every attempt failed with, or `undefined` if they differ.
 *
 * @example
 * ```ts
 * osErrorCode(new Error("refused", { cause: Object.assign(new Error(), { code: "ECONNREFUSED" }) })); // "ECONNREFUSED"
 * ```
 */
export function osErrorCode(error: unknown): string | undefined {
  for (let depth = 0; depth < 8 && typeof error === "object" && error !== null; depth++) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && OS_ERROR_CODE.test(code)) return code;
    if (error instanceof AggregateError && error.errors.length > 0) {
      const codes = new Set(error.errors.map((attempt: unknown) => osErrorCode(attempt)));
      return codes.size === 1 ? [...codes][0] : undefined;
    }
    error = (error as { cause?: unknown }).cause;
  }
  return undefined;
}

/** OpenSSL's and BoringSSL's codes for a fatal alert received from the peer, as the runtimes report them. */
const TLS_ALERT_CODE = /^ERR_SSL_(?:SSLV3_|TLSV1_|TLSV13_)?ALERT_[A-Z0-9_]+$/;

/**
 * The code of a fatal TLS alert the peer sent, found in `error` or its causes
 * (`"ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"` on Node and Deno,
 * `"ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED"` on Bun), or `undefined`.
 *
 * @example
 * ```ts
 * tlsAlertCode(Object.assign(new Error("alert"), { code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" })); // that code
 * ```
 */
export function tlsAlertCode(error: unknown): string | undefined {
  for (let depth = 0; depth < 8 && typeof error === "object" && error !== null; depth++) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && TLS_ALERT_CODE.test(code)) return code;
    error = (error as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The peer closed its sending side: there is nothing more to receive. */
export class EndOfStream extends PortioError {
  /** Creates the error with AnyIO's message by default. */
  constructor(message = "trying to read from a stream that has been closed from the other end") {
    super(message);
  }
}

/** The resource became unusable through an external cause (peer reset, I/O error); `cause` keeps it. */
export class BrokenResourceError extends PortioError {
  /** Creates the error; `options.cause` keeps the external failure. */
  constructor(message = "the resource was rendered unusable due to external causes", options?: PortioErrorOptions) {
    super(message, options);
  }
}

/** The resource was closed on this side (including a pending call woken by `aclose()`). */
export class ClosedResourceError extends PortioError {
  /** Creates the error with AnyIO's message by default. */
  constructor(message = "the resource has been closed") {
    super(message);
  }
}

/** A second task tried a receive/send/accept while one is already running on the same resource. */
export class BusyResourceError extends PortioError {
  /**
   * Creates the error for a second concurrent `action`.
   *
   * @param action what the other task is doing, e.g. `"reading from"`
   */
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
  /** Creates the error for a delimiter not found within `maxBytes`. */
  constructor(readonly maxBytes: number) {
    super(`The delimiter was not found among the first ${maxBytes} bytes`);
  }
}

/**
 * A datagram arrived that was larger than the receive buffer. It was not delivered (a cut-off
 * datagram is not the datagram that was sent); the socket stays usable. `size` is its real size.
 */
export class DatagramTooLargeError extends PortioError {
  /** Creates the error for a datagram of `size` bytes that exceeds `bufferSize`. */
  constructor(
    readonly size: number,
    readonly bufferSize: number,
  ) {
    super(`a ${size}-byte datagram did not fit the ${bufferSize}-byte receive buffer and was discarded`);
  }
}

/**
 * `receiveFds` got more file descriptors than its `maxfds` (the kernel cut the control data,
 * MSG_CTRUNC). The fds that did arrive were closed, so none leaks; the bytes that came with them
 * are in `data`, so no byte of the stream is lost, and the stream stays usable.
 */
export class FdsTruncated extends PortioError {
  /** Creates the error: `data` the bytes that came, `maxfds` the caller's limit, `closedFds` how many fds were closed. */
  constructor(
    readonly data: Uint8Array,
    readonly maxfds: number,
    readonly closedFds: number,
  ) {
    super(`more than maxfds (${maxfds}) file descriptors arrived; the ${closedFds} that did arrive were closed`);
  }
}

/** A `*Nowait` call would have had to wait. */
export class WouldBlock extends PortioError {
  /** Creates the error with AnyIO's message by default. */
  constructor(message = "the operation would block") {
    super(message);
  }
}

/** `extra(attribute)` found no such attribute and no default was given. */
export class TypedAttributeLookupError extends PortioError {
  /** Creates the error with AnyIO's message by default. */
  constructor(message = "Attribute not found") {
    super(message);
  }
}

/**
 * Connecting failed. `cause` holds the single attempt's error, or an `AggregateError` of every
 * attempt when several addresses were tried.
 */
export class ConnectionFailed extends PortioError {
  /** Creates the error; `options.cause` holds every attempt's error. */
  constructor(message = "All connection attempts failed", options?: PortioErrorOptions) {
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
  /** Creates the error with its adoption `code`; the fd stays open and unchanged. */
  constructor(
    override readonly code: InvalidSocketCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The registered backend cannot do this on this platform. The message names the backend and what
 * to use instead.
 */
export class UnsupportedError extends PortioError {}
