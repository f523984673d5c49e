import dgram from "node:dgram";
import type { BackendUDPOptions } from "@portio/core/backend";
import { UnsupportedError } from "@portio/core";
import { NodeDatagramTransport } from "./datagram-transport.ts";
import { nodeHasReusePort } from "./tcp.ts";

/**
 * A UDP socket bound to a numeric `localHost` and `localPort` (0: a free port).
 *
 * As in AnyIO, SO_REUSEPORT is set only when `reusePort` is asked for, SO_REUSEADDR never, and an
 * IPv6 socket keeps the system's dual-stack default (bound to `::` it also hears IPv4 senders, as
 * `::ffff:a.b.c.d`).
 *
 * @throws UnsupportedError if `reusePort` is asked for on a Node whose `node:dgram` lacks it
 * @example
 * ```ts
 * const transport = await createUdpSocket("127.0.0.1", 0, { family: "inet", reusePort: false });
 * console.log(transport.localAddress()); // ["127.0.0.1", 40517]
 * ```
 */
export async function createUdpSocket(
  localHost: string,
  localPort: number,
  options: BackendUDPOptions,
): Promise<NodeDatagramTransport> {
  const socket = newSocket(options);
  return new Promise<NodeDatagramTransport>((resolve, reject) => {
    bind(socket, localHost, localPort, reject, () => {
      // Built inside the 'listening' callback, before any 'message' event can fire.
      resolve(new NodeDatagramTransport(socket, { family: options.family }));
    });
  });
}

/**
 * A UDP socket connected to a numeric `remoteHost`, bound first to `localHost` / `localPort` when
 * given (else to the family's any-address and a free port, which connect() narrows down to the
 * local address that routes to the peer).
 *
 * @throws UnsupportedError if `reusePort` is asked for on a Node whose `node:dgram` lacks it
 * @example
 * ```ts
 * const transport = await createConnectedUdpSocket("127.0.0.1", 5353, { family: "inet", reusePort: false });
 * await transport.send(query);
 * ```
 */
export async function createConnectedUdpSocket(
  remoteHost: string,
  remotePort: number,
  options: BackendUDPOptions & { localHost?: string; localPort?: number },
): Promise<NodeDatagramTransport> {
  const socket = newSocket(options);
  const localHost = options.localHost ?? (options.family === "inet6" ? "::" : "0.0.0.0");
  return new Promise<NodeDatagramTransport>((resolve, reject) => {
    bind(socket, localHost, options.localPort ?? 0, reject, () => {
      socket.connect(remotePort, remoteHost, (error?: Error) => {
        if (error) {
          closeThenReject(socket, error, reject);
          return;
        }
        resolve(new NodeDatagramTransport(socket, { family: options.family }));
      });
    });
  });
}

function newSocket({ family, reusePort }: BackendUDPOptions): dgram.Socket {
  if (reusePort && !nodeHasReusePort()) {
    throw new UnsupportedError(
      `the Node backend cannot set SO_REUSEPORT on Node ${process.versions.node}: node:dgram supports ` +
        "createSocket({ reusePort }) from Node 22.12 and 23.1 on; upgrade Node, or leave reusePort off",
    );
  }
  return dgram.createSocket({
    type: family === "inet6" ? "udp6" : "udp4",
    // Spread in because @types/node 20 does not know the option; older Nodes ignore it silently,
    // which is why it is refused above instead.
    ...(reusePort ? { reusePort: true } : {}),
  });
}

/** Binds; on failure closes the socket (libuv may already hold an fd) and rejects with Node's error. */
function bind(
  socket: dgram.Socket,
  address: string,
  port: number,
  reject: (error: unknown) => void,
  onListening: () => void,
): void {
  const onError = (error: Error): void => {
    socket.off("listening", listening);
    closeThenReject(socket, error, reject);
  };
  const listening = (): void => {
    socket.off("error", onError);
    onListening();
  };
  socket.once("error", onError);
  socket.once("listening", listening);
  socket.bind({ address, port });
}

/** Rejects only once the fd is released, as the backend contract asks of a failed creation. */
function closeThenReject(socket: dgram.Socket, error: unknown, reject: (error: unknown) => void): void {
  try {
    socket.close(() => reject(error));
  } catch {
    reject(error);
  }
}
