/**
 * Finding the fd of a TCP socket that the runtime does not expose (Deno's own connections) on
 * Linux: the socket's inode from `/proc/net/tcp` / `/proc/net/tcp6` by its local and remote port,
 * then the entry of `/proc/self/fd` that links to `socket:[inode]`. For test harnesses only (it
 * reads the file system through {@link ProcFiles}, which the runtime lends).
 * @module
 */

/** The three file operations {@link findTcpSocketFd} needs, lent by the runtime. */
export interface ProcFiles {
  /** The text of a file (`/proc/net/tcp`). */
  readText(path: string): Promise<string>;
  /** The names in a directory (`/proc/self/fd`). */
  readDir(path: string): Promise<string[]>;
  /** Where a symbolic link points (`/proc/self/fd/5` → `socket:[123]`); rejects if it is gone. */
  readLink(path: string): Promise<string>;
}

/**
 * The fd of this process's TCP socket whose local port is `localPort` and whose peer's port is
 * `remotePort`. Ports alone are enough on loopback: the two ends of one connection have them the
 * other way round, and sockets in TIME_WAIT (inode 0, no fd) are passed over.
 *
 * @throws Error when no such socket, or no fd of it, is found (the message says which)
 * @example
 * ```ts
 * const fd = await findTcpSocketFd(files, stream.extra(SocketAttribute.localPort), stream.extra(SocketAttribute.remotePort));
 * ```
 */
export async function findTcpSocketFd(files: ProcFiles, localPort: number, remotePort: number): Promise<number> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await files.readText(table);
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = portOf(fields[1]!);
      const remote = portOf(fields[2]!);
      const inode = fields[9]!;
      if (local === localPort && remote === remotePort && inode !== "0") inodes.add(inode);
    }
  }
  if (inodes.size === 0)
    throw new Error(`no TCP socket with local port ${localPort} and remote port ${remotePort} in /proc/net/tcp{,6}`);
  for (const name of await files.readDir("/proc/self/fd")) {
    let target: string;
    try {
      target = await files.readLink(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed while we looked (the directory's own fd, for one)
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match !== null && inodes.has(match[1]!)) return Number(name);
  }
  throw new Error(`the TCP socket ${localPort} → ${remotePort} (inode ${[...inodes].join(", ")}) has no fd in this process`);
}

/** The port of an `ADDRESS:PORT` field of /proc/net/tcp (both in hex). */
function portOf(field: string): number {
  return Number.parseInt(field.slice(field.lastIndexOf(":") + 1), 16);
}
