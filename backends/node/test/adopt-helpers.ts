/**
 * Raw sockets in exact states for the adoption tests, made through libc so that nothing but the
 * fd exists (no Node object that would own it), plus the ownership checks: is the fd still open,
 * still the same file, still in its blocking mode.
 */
import { closeSync, openSync, readlinkSync } from "node:fs";
import { constantsFor, LibcSocket, type SocketFamily } from "@portio/libc-socket";
import { getKoffiBinder } from "../src/libc-binder.ts";

export const binder = getKoffiBinder();
const C = constantsFor(binder.platform);

export type RawKind =
  | "tcp-connected"
  | "tcp-listening"
  | "tcp-bound"
  | "tcp-unbound"
  | "udp-bound"
  | "udp-unbound"
  | "udp-connected"
  | "unix-stream-connected"
  | "unix-listening"
  | "unix-stream-bound"
  | "unix-stream-unbound"
  | "unix-dgram-unbound"
  | "unix-dgram-bound"
  | "unix-dgram-connected";

/** A raw fd plus whatever keeps it company (its peer, its listener), closed by {@link Raw.cleanup}. */
export interface Raw {
  fd: number;
  kind: RawKind;
  /** The other end: a connected peer (stream or datagram) or the listener a client connected to. */
  peer?: LibcSocket;
  /** For listeners and bound sockets: the address to reach it. */
  address?: [string, number] | string;
  /** Closes the peers, and the fd too unless `adopted` (then its wrapper closed it). */
  cleanup(adopted: boolean): Promise<void>;
}

let counter = 0;

/**
 * Makes a socket of `kind` (IPv4 or IPv6 for the IP kinds), in BLOCKING mode by default so that
 * a test can see whether adoption changed the flag; `dir` holds Unix socket paths.
 */
export async function rawSocket(
  kind: RawKind,
  options: { family?: "inet" | "inet6"; dir: string; nonBlocking?: boolean },
): Promise<Raw> {
  const family: SocketFamily = options.family ?? "inet";
  const host = family === "inet6" ? "::1" : "127.0.0.1";
  const path = (): string => `${options.dir}/s${counter++}.sock`;
  const extra: LibcSocket[] = [];
  let sock: LibcSocket;
  let peer: LibcSocket | undefined;
  let address: Raw["address"];
  switch (kind) {
    case "tcp-connected": {
      const listener = LibcSocket.create(binder, family, "stream");
      listener.bind([host, 0]);
      listener.listen();
      sock = LibcSocket.create(binder, family, "stream");
      await sock.connect(listener.getsockname());
      [peer] = await listener.accept();
      extra.push(listener);
      break;
    }
    case "tcp-listening":
    case "tcp-bound":
      sock = LibcSocket.create(binder, family, "stream");
      sock.bind([host, 0]);
      if (kind === "tcp-listening") sock.listen();
      address = sock.getsockname() as [string, number];
      break;
    case "tcp-unbound":
      sock = LibcSocket.create(binder, family, "stream");
      break;
    case "udp-bound":
    case "udp-connected":
      sock = LibcSocket.create(binder, family, "dgram");
      sock.bind([host, 0]);
      address = sock.getsockname() as [string, number];
      peer = LibcSocket.create(binder, family, "dgram");
      peer.bind([host, 0]);
      if (kind === "udp-connected") {
        await sock.connect(peer.getsockname());
        await peer.connect(sock.getsockname());
      }
      break;
    case "udp-unbound":
      sock = LibcSocket.create(binder, family, "dgram");
      break;
    case "unix-stream-connected":
      [sock, peer] = LibcSocket.socketpair(binder, "stream");
      break;
    case "unix-dgram-connected":
      [sock, peer] = LibcSocket.socketpair(binder, "dgram");
      break;
    case "unix-listening":
    case "unix-stream-bound":
      sock = LibcSocket.create(binder, "unix", "stream");
      address = path();
      sock.bind(address);
      if (kind === "unix-listening") sock.listen();
      break;
    case "unix-stream-unbound":
      sock = LibcSocket.create(binder, "unix", "stream");
      break;
    case "unix-dgram-unbound":
      sock = LibcSocket.create(binder, "unix", "dgram");
      break;
    case "unix-dgram-bound":
      sock = LibcSocket.create(binder, "unix", "dgram");
      address = path();
      sock.bind(address);
      break;
  }
  if (!options.nonBlocking) sock.setNonBlocking(false);
  const fd = await sock.detach();
  return {
    fd,
    kind,
    ...(peer === undefined ? {} : { peer }),
    ...(address === undefined ? {} : { address }),
    async cleanup(adopted) {
      if (!adopted) closeFd(fd);
      await peer?.close();
      for (const socket of extra) await socket.close();
    },
  };
}

export function closeFd(fd: number): void {
  binder.close(fd);
}

/** What the fd refers to right now (`socket:[123]`, a path, ...) or undefined when it is closed. */
export function fdTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** O_NONBLOCK of an open fd. */
export function isNonBlocking(fd: number): boolean {
  const flags = binder.fcntl(fd, C.F_GETFL, 0);
  if (flags === -1) throw new Error(`fd ${fd} is not open`);
  return (flags & C.O_NONBLOCK) !== 0;
}

/** Snapshot of an fd for the ownership check: same file, same flag after a refusal. */
export function snapshot(fd: number): { target: string | undefined; nonBlocking: boolean } {
  return { target: fdTarget(fd), nonBlocking: isNonBlocking(fd) };
}

/** A regular file's fd (caller closes). */
export function fileFd(path: string): number {
  return openSync(path, "w+");
}

export { closeSync };
