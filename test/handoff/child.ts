/**
 * Child process of the handoff tests, the same code on Node, Bun and Deno (each entry registers
 * its backend, see child-*.ts; the test bundles them with esbuild). Modes:
 *
 * - `serve CHANNEL`: connects to the Unix socket CHANNEL, receives a socket with receiveSocket,
 *   prints `received <Class>`, answers one client (`hello` → `echo:hello`) on it, prints `served`.
 * - `give CHANNEL KIND`: makes a socket of KIND (`tcp-listener`, `unix-listener NAME` (abstract: NAME without the leading NUL), `udp`),
 *   hands it over CHANNEL with sendSocket, closes its own copy, prints `sent`, and exits when the
 *   channel closes.
 */
import {
  ConnectedUDPSocket,
  SocketListener,
  SocketStream,
  UDPSocket,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  receiveSocket,
  sendSocket,
  setBackend,
  type AsyncBackend,
} from "@portio/core";

const encoder = new TextEncoder();
const echo = (data: Uint8Array): Uint8Array => encoder.encode(`echo:${new TextDecoder().decode(data)}`);

function args(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno ? deno.args : process.argv.slice(2);
}

async function serveOnce(socket: unknown): Promise<void> {
  if (socket instanceof SocketListener) {
    const stream = await socket.accept();
    await stream.send(echo(await stream.receive()));
    await stream.aclose();
  } else if (socket instanceof SocketStream) {
    await socket.send(echo(await socket.receive()));
  } else if (socket instanceof UDPSocket) {
    const [data, [host, port]] = await socket.receive();
    await socket.sendto(echo(data), host, port);
  } else if (socket instanceof ConnectedUDPSocket) {
    await socket.send(echo(await socket.receive()));
  } else {
    throw new Error(`nothing to serve on ${String(socket)}`);
  }
}

export async function main(backend: AsyncBackend): Promise<void> {
  setBackend(backend);
  const [mode, channelPath, kind, name] = args();
  const channel = await connectUnix(channelPath!);
  if (mode === "serve") {
    const socket = await receiveSocket(channel, { signal: AbortSignal.timeout(15_000) });
    console.log(`received ${socket.constructor.name}`);
    await serveOnce(socket);
    await socket.aclose();
    console.log("served");
  } else if (mode === "give") {
    const socket =
      kind === "tcp-listener" ? await createTcpListener({ localHost: "127.0.0.1", localPort: 0 })
      : kind === "unix-listener" ? await createUnixListener(`\0${name!}`) // abstract: NAME comes without its NUL
      : await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
    await sendSocket(channel, socket);
    await socket.aclose();
    console.log("sent");
    // The parent closes the channel once it serves the socket; bounded all the same.
    await channel.receive(1, { signal: AbortSignal.timeout(15_000) }).catch(() => {});
  } else {
    throw new Error(`unknown mode ${String(mode)}`);
  }
  await channel.aclose();
}
