/**
 * The conformance harness's raw socket factory, written once over libc: sockets made through the
 * backend's binder, so that nothing but the fd exists — no runtime object that would own it — in
 * exactly the state an adoption case asks for.
 * @module
 */
import type { SocketAddress } from "@portio/core";
import type { RawSocket, RawSocketFactory, RawSocketState } from "@portio/testkit";
import type { LibcBinder } from "../binder.ts";
import { setsockoptInt } from "../calls.ts";
import { constantsFor } from "../constants.ts";
import { LibcSocket } from "../socket.ts";

/** Loopback of each IP family: the cases only ever bind and connect there. */
const LOOPBACK = { inet: "127.0.0.1", inet6: "::1" } as const;

/**
 * A {@link RawSocketFactory} over `binder` (koffi on Node, bun:ffi on Bun, Deno.dlopen on Deno),
 * for a backend's conformance harness.
 *
 * @example
 * ```ts
 * import { libcRawSockets } from "@portio/libc-socket/testing";
 * const harness = { ...rest, rawSockets: libcRawSockets(getKoffiBinder()) };
 * ```
 */
export function libcRawSockets(binder: LibcBinder): RawSocketFactory {
  const C = constantsFor(binder.platform);

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

  function clearCloseOnExec(fd: number): void {
    const flags = binder.fcntl(fd, C.F_GETFD, 0);
    if (flags === -1 || binder.fcntl(fd, C.F_SETFD, flags & ~C.FD_CLOEXEC) === -1)
      throw new Error(`fcntl(${fd}) failed with errno ${binder.errno()}`);
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

  return {
    async create(family, type, state: RawSocketState = {}): Promise<RawSocket> {
      let socket: LibcSocket;
      const peers: LibcSocket[] = [];
      if (state.connected) {
        const [own, peer] = await connectedPair(family, type);
        socket = own;
        peers.push(peer);
      } else if (state.bound || state.listening) {
        socket = boundSocket(family, type, state.path);
        if (state.listening) socket.listen(state.backlog);
      } else {
        socket = LibcSocket.create(binder, family, type);
      }
      // Blocking by default, so that a case can see whether a refused adoption changed the flag.
      if (!state.nonBlocking) socket.setNonBlocking(false);
      if (state.closeOnExec === false) clearCloseOnExec(socket.fd);
      if (state.keepAlive) setsockoptInt(binder, socket.fd, C.SOL_SOCKET, C.SO_KEEPALIVE, 1);
      return { fd: await socket.detach(), peerFds: await Promise.all(peers.map((peer) => peer.detach())) };
    },
    isOpen: (fd) => binder.fcntl(fd, C.F_GETFL, 0) !== -1,
    isCloseOnExec(fd) {
      const flags = binder.fcntl(fd, C.F_GETFD, 0);
      if (flags === -1) throw new Error(`fd ${fd} is not open`);
      return (flags & C.FD_CLOEXEC) !== 0;
    },
    isNonBlocking(fd) {
      const flags = binder.fcntl(fd, C.F_GETFL, 0);
      if (flags === -1) throw new Error(`fd ${fd} is not open`);
      return (flags & C.O_NONBLOCK) !== 0;
    },
    // The read end of a pipe (as AnyIO's test_from_socket_pass_file_fd passes a file): every
    // runtime can make one through libc, while Deno's file API hands out no fds at all.
    openNonSocketFd() {
      const fds = new Uint8Array(8);
      if (binder.pipe(fds) === -1) throw new Error(`pipe() failed with errno ${binder.errno()}`);
      const view = new DataView(fds.buffer);
      binder.close(view.getInt32(4, true));
      return view.getInt32(0, true);
    },
    setSendBufferSize: (fd, bytes) => setsockoptInt(binder, fd, C.SOL_SOCKET, C.SO_SNDBUF, bytes),
    close(fd) {
      if (binder.close(fd) === -1) throw new Error(`close(${fd}) failed with errno ${binder.errno()}`);
    },
  };
}
