import type { ListenOptions, Server } from "node:net";

/**
 * Starts `server` listening and resolves once it is, or rejects with Node's error (its `code`,
 * e.g. `EADDRINUSE`, kept; Node has already released the socket by then).
 *
 * @example
 * ```ts
 * const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
 * await listen(server, { host: "127.0.0.1", port: 0 });
 * ```
 */
export function listen(server: Server, options: ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    server.once("listening", onListening);
    server.once("error", onError);
    server.listen(options);
  });
}
