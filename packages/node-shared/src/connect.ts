import type { Socket } from "node:net";

/**
 * Waits for a connecting `net.Socket` to connect, then resolves with `wrap()`. `wrap` runs inside
 * the `'connect'` event, so the transport it builds has its listeners in place before any later
 * socket event can fire. On failure or abort the socket is destroyed
 * and the promise rejects only after its `'close'`, so that the fd is released by then, as the
 * backend contract asks; the error is Node's own (its `code`, e.g. `ECONNREFUSED`, kept) or the
 * signal's reason.
 *
 * @example
 * ```ts
 * const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
 * const transport = await whenConnected(socket, AbortSignal.timeout(5000), () =>
 *   new NetStreamTransport(socket, { family: "inet" }),
 * );
 * ```
 */
export function whenConnected<T>(socket: Socket, signal: AbortSignal | undefined, wrap: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let failure: unknown;
    const onConnect = (): void => {
      cleanup();
      try {
        resolve(wrap());
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    };
    const onError = (error: Error): void => {
      failure ??= error;
    };
    // 'error' is always followed by 'close'; an abort destroys the socket, which ends in 'close'.
    const onClose = (): void => {
      cleanup();
      reject(failure ?? new Error("the socket closed while connecting"));
    };
    const onAbort = (): void => {
      failure ??= signal!.reason;
      socket.destroy();
    };
    const cleanup = (): void => {
      socket.off("connect", onConnect);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    socket.once("connect", onConnect);
    socket.on("error", onError);
    socket.once("close", onClose);
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}
