import type { CallOptions } from "../abc/resource.js";
import { UnsupportedError } from "../errors.js";
import { peekBackend } from "../backend/registry.js";
import { throwIfAborted } from "../internal/abort.js";
import { SocketStream } from "./socket-stream.js";
import type { SocketLike } from "../adoption/validate.js";
// Not the adoption code itself: see adopters.ts for why.
import { adopters } from "../adoption/adopters.js";

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
   * Sends `message` together with the file descriptors `fds`.
   * @throws RangeError for an empty message or fd list
   * @throws UnsupportedError where the backend cannot pass fds
   */
  async sendFds(message: Uint8Array, fds: readonly number[], options?: CallOptions): Promise<void> {
    if (!(message instanceof Uint8Array)) throw new TypeError("message must be a Uint8Array");
    if (message.byteLength === 0) throw new RangeError("message must not be empty");
    if (!Array.isArray(fds)) throw new TypeError("fds must be an array of file descriptors");
    if (fds.length === 0) throw new RangeError("fds must not be empty");
    for (const fd of fds) {
      if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`fds must be non-negative integers, got ${String(fd)}`);
    }
    throwIfAborted(options?.signal);
    if (this.transport.sendFds === undefined) throw fdPassingUnsupported();
    await this.transport.sendFds(message, fds);
  }

  /**
   * Receives up to `msglen` bytes and up to `maxfds` file descriptors sent with them.
   * @throws RangeError if `msglen` is not a non-negative integer or `maxfds` not a positive one
   * @throws UnsupportedError where the backend cannot pass fds
   */
  async receiveFds(msglen: number, maxfds: number, options?: CallOptions): Promise<[Uint8Array, number[]]> {
    if (!Number.isInteger(msglen) || msglen < 0) throw new RangeError("msglen must be a non-negative integer");
    if (!Number.isInteger(maxfds) || maxfds < 1) throw new RangeError("maxfds must be a positive integer");
    throwIfAborted(options?.signal);
    if (this.transport.receiveFds === undefined) throw fdPassingUnsupported();
    return this.transport.receiveFds(msglen, maxfds);
  }
}

function fdPassingUnsupported(): UnsupportedError {
  const backend = peekBackend()?.name ?? "registered";
  return new UnsupportedError(
    `the ${backend} backend cannot pass file descriptors over Unix sockets yet; ` +
      "send the fd's data instead, or pass sockets to a child process through its stdio",
  );
}
