/**
 * Deno's own socket objects and adoption. `Deno.Conn` and `Deno.Listener` expose no fd (and
 * `Deno.listen({ fd })` ignores the fd), so they cannot be adopted: pass the fd instead.
 *
 * @module
 */

/**
 * Always `undefined` except for Deno's socket objects, which are refused with a TypeError that
 * says why (Deno does not expose their fds).
 *
 * @throws TypeError for a `Deno.Conn` / `Deno.Listener`
 * @example
 * ```ts
 * nativeSocketFd({}); // undefined
 * ```
 */
export function nativeSocketFd(value: object): number | null | undefined {
  const isConn = "remoteAddr" in value && "localAddr" in value && typeof (value as { read?: unknown }).read === "function";
  const isListener = "addr" in value && typeof (value as { accept?: unknown }).accept === "function";
  if (isConn || isListener) {
    throw new TypeError(
      `expected an int or socket, got ${isConn ? "Deno.Conn" : "Deno.Listener"} instead: Deno does not expose the fd of its own ` +
        "sockets, so portio cannot adopt them; pass an inherited fd number, or use portio to create the socket",
    );
  }
  return undefined;
}
