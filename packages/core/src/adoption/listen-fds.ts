import { getEnv, deleteEnv, getPid } from "./environment.ts";
import {
  openConnectedUdp,
  openConnectedUnixDatagram,
  openListener,
  openStream,
  openUdp,
  openUnixDatagram,
} from "./from-socket.ts";
import { refuse } from "./errors.ts";
import type { ClientSocket } from "./wrap-client-socket.ts";
import type { ServerSocket } from "./wrap-server-socket.ts";
import { inspectArgument, type Inspected } from "./validate.ts";

/** The first fd systemd passes (`SD_LISTEN_FDS_START`). */
export const SD_LISTEN_FDS_START = 3;

/** One socket passed by systemd socket activation. */
export interface ListenFd {
  /** The file descriptor (3 and up, in `LISTEN_FDS` order). */
  fd: number;
  /** Its `FileDescriptorName=` (`LISTEN_FDNAMES`), `"unknown"` where none was given. */
  name: string;
  /** The adopted socket: a listener or unconnected datagram socket, or (with `Accept=yes`) a connection. */
  socket: ServerSocket | ClientSocket;
}

/** Options of {@link listenFds}. */
export interface ListenFdsOptions {
  /**
   * Remove `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` from the environment (default), so
   * that child processes do not believe the sockets were meant for them.
   */
  unsetEnv?: boolean;
}

/**
 * systemd socket activation (`sd_listen_fds(3)`): adopts the sockets systemd (or
 * `systemd-socket-activate`) passed to this process, in fd order from fd 3. Listening and
 * unconnected sockets are adopted as by `wrapServerSocket`, connected ones (an `Accept=yes`
 * unit, `--inetd`/`--accept`) as by `wrapClientSocket`. Resolves to an empty array when the
 * process was not activated (`LISTEN_PID` absent or another process's).
 *
 * Every fd is inspected before any is adopted: if one is not a usable socket this rejects with
 * `InvalidSocketError` and no fd has been taken over.
 *
 * @example
 * ```ts
 * // systemd-socket-activate -l 8080 node server.js
 * const [first] = await listenFds();
 * if (first?.socket instanceof SocketListener) await first.socket.serve(handle);
 * ```
 */
export async function listenFds(options: ListenFdsOptions = {}): Promise<ListenFd[]> {
  const { unsetEnv = true } = options;
  const pid = getEnv("LISTEN_PID");
  const count = getEnv("LISTEN_FDS");
  const names = getEnv("LISTEN_FDNAMES");
  if (unsetEnv) for (const name of ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]) deleteEnv(name);
  if (pid === undefined || count === undefined || !/^\d+$/.test(pid) || Number(pid) !== getPid()) return [];
  if (!/^\d+$/.test(count)) throw new RangeError(`LISTEN_FDS must be a non-negative integer, got ${JSON.stringify(count)}`);
  const n = Number(count);
  const nameList = names === undefined ? [] : names.split(":");

  const inspected: Inspected[] = [];
  for (let i = 0; i < n; i++) {
    const entry = await inspectArgument(SD_LISTEN_FDS_START + i);
    const { info } = entry;
    // What neither wrap function would take: refuse before anything is adopted.
    if (info.state === "connecting") throw refuse.notConnected(info);
    if (info.state === "unbound" && !(info.type === "dgram" && info.family === "unix")) throw refuse.notBound(info);
    inspected.push(entry);
  }
  const result: ListenFd[] = [];
  for (const [i, entry] of inspected.entries()) {
    const name = nameList[i] || "unknown";
    result.push({ fd: entry.info.fd, name, socket: await open(entry) });
  }
  return result;
}

function open(entry: Inspected): Promise<ServerSocket | ClientSocket> {
  const { info } = entry;
  if (info.type === "stream") return info.state === "connected" ? openStream(entry) : openListener(entry);
  if (info.family === "unix") return info.state === "connected" ? openConnectedUnixDatagram(entry) : openUnixDatagram(entry);
  return info.state === "connected" ? openConnectedUdp(entry) : openUdp(entry);
}
