/**
 * Child process of the adoption tests (bundled by the test with esbuild, since Node 20 cannot run
 * TypeScript). It adopts fd 3 (or, in `listen-fds` mode, the sockets systemd passed) and answers
 * one message: `hello` → `echo:hello`. It prints what it adopted, one `adopted ...` line per
 * socket, then `done`.
 *
 * usage: node echo-child.mjs client|server|listen-fds
 */
import {
  ConnectedUDPSocket,
  ConnectedUNIXDatagramSocket,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXDatagramSocket,
  listenFds,
  setBackend,
  wrapClientSocket,
  wrapServerSocket,
} from "@portio/core";
import { nodeBackend } from "@portio/node";

setBackend(nodeBackend);
const utf8 = new TextEncoder();
const echo = (data: Uint8Array): Uint8Array => utf8.encode(`echo:${new TextDecoder().decode(data)}`);

type Adopted = Awaited<ReturnType<typeof wrapClientSocket>> | Awaited<ReturnType<typeof wrapServerSocket>>;

async function serveOnce(socket: Adopted): Promise<void> {
  if (socket instanceof SocketListener) {
    const stream = await socket.accept();
    await serveOnce(stream);
  } else if (socket instanceof SocketStream) {
    await socket.send(echo(await socket.receive()));
    await socket.aclose();
  } else if (socket instanceof UDPSocket) {
    const [data, [host, port]] = await socket.receive();
    await socket.sendto(echo(data), host, port);
  } else if (socket instanceof UNIXDatagramSocket) {
    const [data, path] = await socket.receive();
    await socket.sendto(echo(data), path);
  } else if (socket instanceof ConnectedUDPSocket || socket instanceof ConnectedUNIXDatagramSocket) {
    await socket.send(echo(await socket.receive()));
  }
}

const mode = process.argv[2];
const adopted: Adopted[] = [];
if (mode === "listen-fds") {
  const passed = await listenFds();
  console.log(`env-cleared ${process.env.LISTEN_FDS === undefined}`);
  for (const { fd, name, socket } of passed) {
    console.log(`adopted fd=${fd} name=${name} class=${socket.constructor.name} family=${socket.extra(SocketAttribute.family)}`);
    adopted.push(socket);
  }
} else {
  const socket = mode === "client" ? await wrapClientSocket(3) : await wrapServerSocket(3);
  console.log(`adopted fd=3 class=${socket.constructor.name} family=${socket.extra(SocketAttribute.family)}`);
  adopted.push(socket);
}
for (const socket of adopted) {
  await serveOnce(socket);
  await socket.aclose();
}
console.log("done");
