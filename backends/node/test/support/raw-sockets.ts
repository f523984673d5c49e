/**
 * The conformance harness's raw socket factory on Node: sockets made through libc (koffi), so that
 * nothing but the fd exists — no Node object that would own it — in exactly the state an adoption
 * case asks for.
 * @module
 */
import { closeSync, openSync } from "node:fs";
import type { SocketAddress } from "@portio/core";
import { constantsFor, LibcSocket, setsockoptInt } from "@portio/libc-socket";
import type { RawSocket, RawSocketFactory, RawSocketState } from "@portio/testkit";
import { getKoffiBinder } from "../../src/libc-binder.js";

const binder = getKoffiBinder();
const C = constantsFor(binder.platform);

/** Loopback of each IP family: the cases only ever bind and connect there. */
const LOOPBACK = { inet: "127.0.0.1", inet6: "::1" } as const;

/** A new socket bound to loopback (IP, port 0) or `path` (Unix). */
function boundSocket(family: "inet" | "inet6" | "unix", type: "stream" | "dgram", path: string | undefined): LibcSocket {
  const socket = LibcSocket.create(binder, family, type);
  try {
    if (family === "unix") {
      if (path === undefined) throw new Error("a bound Unix socket needs a path");
      socket.bind(path);
    } else {
      socket.bind([LOOPBACK[family], 0]);
    }
  } catch (error) {
    void socket.close();
    throw error;
  }
  return socket;
}

/** A connected pair of `family`/`type`: Unix ones from socketpair(), IP ones over loopback. */
async function connectedPair(family: "inet" | "inet6" | "unix", type: "stream" | "dgram"): Promise<[LibcSocket, LibcSocket]> {
  if (family === "unix") return LibcSocket.socketpair(binder, type);
  if (type === "stream") {
    const listener = boundSocket(family, "stream", undefined);
    try {
      listener.listen();
      const client = LibcSocket.create(binder, family, "stream");
      await client.connect(listener.getsockname());
      const [accepted] = await listener.accept();
      return [client, accepted];
    } finally {
      await listener.close();
    }
  }
  const socket = boundSocket(family, "dgram", undefined);
  const peer = boundSocket(family, "dgram", undefined);
  await socket.connect(peer.getsockname() as SocketAddress);
  await peer.connect(socket.getsockname() as SocketAddress);
  return [socket, peer];
}

/** Node's {@link RawSocketFactory}: libc sockets through koffi. */
export const nodeRawSockets: RawSocketFactory = {
  async create(family, type, state: RawSocketState = {}): Promise<RawSocket> {
    let socket: LibcSocket;
    const peers: LibcSocket[] = [];
    if (state.connected) {
      const [own, peer] = await connectedPair(family, type);
      socket = own;
      peers.push(peer);
    } else if (state.bound || state.listening) {
      socket = boundSocket(family, type, state.path);
      if (state.listening) socket.listen();
    } else {
      socket = LibcSocket.create(binder, family, type);
    }
    // Blocking by default, so that a case can see whether a refused adoption changed the flag.
    if (!state.nonBlocking) socket.setNonBlocking(false);
    return { fd: await socket.detach(), peerFds: await Promise.all(peers.map((peer) => peer.detach())) };
  },
  isOpen: (fd) => binder.fcntl(fd, C.F_GETFL, 0) !== -1,
  isNonBlocking(fd) {
    const flags = binder.fcntl(fd, C.F_GETFL, 0);
    if (flags === -1) throw new Error(`fd ${fd} is not open`);
    return (flags & C.O_NONBLOCK) !== 0;
  },
  // A regular file, as AnyIO's test_from_socket_pass_file_fd uses.
  openNonSocketFd: (dir) => openSync(`${dir}/not-a-socket`, "w+"),
  setSendBufferSize: (fd, bytes) => setsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_SNDBUF, bytes),
  close(fd) {
    // closeSync for files opened with node:fs too: both are plain close(2).
    closeSync(fd);
  },
};
