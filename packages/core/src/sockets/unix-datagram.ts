import { getBackend } from "../backend/registry.ts";
import { checkMode, checkUnixPath } from "../internal/validate.ts";
import { ConnectedUNIXDatagramSocket, UNIXDatagramSocket } from "./datagram-sockets.ts";

/** Options of the Unix datagram constructors. */
export interface UNIXDatagramOptions {
  /** Bind to this path (or abstract name); a stale socket file there is replaced. Unbound when absent. */
  localPath?: string | Uint8Array;
  /** File mode of the bound socket file, e.g. `0o660`. */
  mode?: number;
}

function checkOptions(options: UNIXDatagramOptions): UNIXDatagramOptions {
  if (options.localPath !== undefined) checkUnixPath(options.localPath, "localPath");
  checkMode(options.mode);
  return {
    ...(options.localPath !== undefined ? { localPath: options.localPath } : {}),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
  };
}

/**
 * Creates an unconnected Unix datagram socket.
 *
 * @example
 * ```ts
 * const sock = await createUnixDatagramSocket({ localPath: "/tmp/app.dgram" });
 * for await (const [data, sender] of sock) await sock.sendto(data, sender);
 * ```
 */
export async function createUnixDatagramSocket(options: UNIXDatagramOptions = {}): Promise<UNIXDatagramSocket> {
  return new UNIXDatagramSocket(await getBackend().createUnixDatagramSocket(checkOptions(options)));
}

/**
 * Creates a Unix datagram socket connected to `remotePath`.
 *
 * @example
 * ```ts
 * const sock = await createConnectedUnixDatagramSocket("/run/systemd/notify");
 * await sock.send(new TextEncoder().encode("READY=1"));
 * ```
 */
export async function createConnectedUnixDatagramSocket(
  remotePath: string | Uint8Array,
  options: UNIXDatagramOptions = {},
): Promise<ConnectedUNIXDatagramSocket> {
  checkUnixPath(remotePath, "remotePath");
  return new ConnectedUNIXDatagramSocket(await getBackend().createConnectedUnixDatagramSocket(remotePath, checkOptions(options)));
}
