/**
 * Which of Bun's own socket objects adoption takes. Bun's `Socket` (from `Bun.connect` /
 * `Bun.listen`), `SocketListener` and `udp.Socket` all carry their handlers for life: another
 * owner could not receive their data, so they are refused with a TypeError that says what to
 * pass instead; node:net objects in Bun are refused likewise (their fd is held by Bun's own
 * socket underneath).
 *
 * @module
 */

/**
 * Always `undefined` (an unknown object, which core reports as a TypeError) except for objects
 * recognised as Bun's or node:net's, which throw a TypeError explaining the alternative.
 *
 * @example
 * ```ts
 * nativeSocketFd({}); // undefined
 * ```
 */
export function nativeSocketFd(value: object): number | null | undefined {
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "";
  if (/^(TCPSocket|TLSSocket|Socket|Server|SocketListener|TCPSocketListener|UDPSocket|Listener)$/.test(name)) {
    throw new TypeError(
      `expected an int or socket, got ${name} instead: the Bun backend cannot take over a Bun or node:net socket object ` +
        "(its handlers stay bound to it); pass a file descriptor the object does not own, e.g. one from socketpair() or a parent process",
    );
  }
  return undefined;
}
