import type { CallOptions } from "../abc/resource.ts";
import { UnsupportedError } from "../errors.ts";
import { peekBackend } from "../backend/registry.ts";
import { throwIfAborted } from "../internal/abort.ts";
import { SocketAttribute } from "../socket-attributes.ts";
import { TypedAttributeProvider } from "../typed-attributes.ts";
import { SocketStream } from "./socket-stream.ts";
import type { SocketLike } from "../adoption/validate.ts";
// Not the adoption code itself: see adopters.ts for why.
import { adopters } from "../adoption/adopters.ts";

/**
 * A byte stream over a connected Unix socket. Besides bytes it can pass file descriptors
 * (SCM_RIGHTS) where the backend supports it.
 *
 * @example
 * ```ts
 * const stream = await connectUnix("/run/app.sock");
 * await stream.send(new TextEncoder().encode("ping"));
 * ```
 */
export class UNIXSocketStream extends SocketStream {
  /**
   * Adopts a connected AF_UNIX stream socket (an fd or a runtime socket object). Refuses other
   * families with `InvalidSocketError` code `FAMILY_MISMATCH`; see {@link SocketStream.fromSocket}.
   *
   * @example
   * ```ts
   * const stream = await UNIXSocketStream.fromSocket(fd);
   * ```
   */
  static override async fromSocket(socket: SocketLike): Promise<UNIXSocketStream> {
    return (await adopters().stream(socket, true)) as UNIXSocketStream;
  }

  /**
   * Sends `message` (at least one byte) with the file descriptors `fds` attached to its first
   * byte (SCM_RIGHTS), as AnyIO's `send_fds`. `fds` holds integers or sockets whose fd is known:
   * portio sockets, streams and listeners (their `SocketAttribute.fd`) and the runtime's own
   * socket objects where the backend can read their fd. The receiver gets duplicates: the fds
   * stay open here and remain the caller's (close a socket after handing it over if this process
   * is done with it).
   *
   * `message` joins the byte stream like `send(message)` would: a peer reading with `receive()`
   * sees its bytes (and the kernel closes the fds, as with a plain `recv`), a peer reading with
   * `receiveFds()` gets bytes and fds together.
   *
   * @throws TypeError for an fd that is not a non-negative integer or not open (code `EBADF`);
   *   nothing is sent and the stream stays usable
   * @throws UnsupportedError for a socket whose fd the backend does not know (Deno's own TCP sockets)
   * @throws RangeError for an empty message or fd list
   * @throws UnsupportedError where this stream cannot pass fds (the message says why)
   * @example
   * ```ts
   * const [left, right] = await socketpair();
   * await left.sendFds(new TextEncoder().encode("listener"), [listener]);
   * const [message, [fd]] = await right.receiveFds(8, 1);
   * const adopted = await wrapServerSocket(fd);
   * ```
   */
  async sendFds(message: Uint8Array, fds: ReadonlyArray<number | object>, options?: CallOptions): Promise<void> {
    if (!(message instanceof Uint8Array)) throw new TypeError("message must be a Uint8Array");
    if (message.byteLength === 0) throw new RangeError("message must not be empty");
    if (!Array.isArray(fds)) throw new TypeError("fds must be an array of file descriptors");
    if (fds.length === 0) throw new RangeError("fds must not be empty");
    const numbers = fds.map((fd, index) => fdOf(fd, index));
    throwIfAborted(options?.signal);
    const transport = this.transport;
    if (transport.sendFds === undefined) throw fdPassingUnsupported(transport.fdPassingUnsupported);
    await this.sendWith(options, (signal) => transport.sendFds!(message, numbers, signal));
  }

  /**
   * Receives up to `msglen` bytes and up to `maxfds` file descriptors that came with them, as
   * AnyIO's `receive_fds`: `[message, fds]`. The fds are new, close-on-exec, and the caller's to
   * close (or to adopt with `wrapServerSocket` / `wrapClientSocket`). A message that carried no
   * fds gives `[message, []]`.
   *
   * How bytes and fds interleave: the fds sit on the first byte of the message they were sent
   * with, and one `receiveFds` never reads past a message that carries fds. It may begin with
   * ordinary bytes sent before that message (as AnyIO and the kernel do), and bytes sent after it
   * wait for the next receive. Reads of this stream go to the kernel only when asked and never for
   * more than asked, so no byte and no fd is lost to read-ahead. When `receive()` left bytes over
   * (only on a stream that is not read exactly), they come first, with no fds.
   *
   * @throws FdsTruncated when more than `maxfds` fds arrived: those that did were closed, the
   *   bytes are on the error, and the stream stays usable
   * @throws EndOfStream when the peer closed and nothing is left
   * @throws RangeError / TypeError if `msglen` is not a non-negative integer or `maxfds` not a positive one
   * @throws UnsupportedError where this stream cannot pass fds (the message says why)
   * @example
   * ```ts
   * const [message, fds] = await stream.receiveFds(1024, 4, { signal: AbortSignal.timeout(5_000) });
   * ```
   */
  async receiveFds(msglen: number, maxfds: number, options?: CallOptions): Promise<[Uint8Array, number[]]> {
    if (!Number.isInteger(msglen) || msglen < 0) throw new RangeError("msglen must be a non-negative integer");
    if (!Number.isInteger(maxfds) || maxfds < 1) throw new RangeError("maxfds must be a positive integer");
    if (msglen > MAX_MSGLEN) throw new RangeError(`msglen must be at most ${MAX_MSGLEN}`);
    if (maxfds > MAX_FDS) throw new RangeError(`maxfds must be at most ${MAX_FDS} (the kernel's limit per message)`);
    throwIfAborted(options?.signal);
    const transport = this.transport;
    if (transport.receiveFds === undefined) throw fdPassingUnsupported(transport.fdPassingUnsupported);
    return this.receiveWith(
      options,
      (pending): [Uint8Array, number[]] => [pending.subarray(0, msglen), []],
      (signal) => transport.receiveFds!(msglen, maxfds, signal),
    );
  }
}

/** Largest `msglen` one `receiveFds` takes: one read of the default size. */
const MAX_MSGLEN = 1 << 20;
/** Linux's SCM_MAX_FD: the most fds one message can carry. */
const MAX_FDS = 253;

/** The fd behind one entry of `sendFds`'s list. */
function fdOf(value: unknown, index: number): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      throw new TypeError(`fds must be non-negative integers or sockets, got ${String(value)} at index ${index}`);
    }
    return value;
  }
  if (typeof value === "object" && value !== null) {
    if (value instanceof TypedAttributeProvider) {
      const fd = value.extra(SocketAttribute.fd, undefined);
      if (fd === undefined) {
        const backend = peekBackend()?.name ?? "registered";
        throw new UnsupportedError(
          `fds[${index}]: the ${backend} backend knows no fd for this socket (the runtime made it and exposes none, ` +
            "as Deno for its own TCP sockets); hand over a socket whose fd is known (made through libc, adopted or received) instead",
        );
      }
      return fd;
    }
    const fd = peekBackend()?.nativeSocketFd(value);
    if (typeof fd === "number") return fd;
    throw new TypeError(`fds[${index}] is an object this backend cannot read an fd from`);
  }
  throw new TypeError(`fds must be non-negative integers or sockets, got ${typeof value} at index ${index}`);
}

function fdPassingUnsupported(reason: string | undefined): UnsupportedError {
  const backend = peekBackend()?.name ?? "registered";
  return new UnsupportedError(
    reason ??
      `the ${backend} backend cannot pass file descriptors over this stream; ` +
        "use a stream from connectUnix, a Unix listener, socketpair() or fromSocket",
  );
}
