// The child: adopts whatever socket it inherited as fd 3 and echoes. It does not know or care
// what kind of socket that is until it asks: wrapServerSocket inspects it (family, type, state)
// and returns the matching class, or refuses it with an InvalidSocketError saying why.
//
//   node examples/adopt/child.mjs         (run by parent.mjs, or by systemd-socket-activate:
//                                          systemd-socket-activate -l 7008 node examples/adopt/child.mjs)
// @ts-check
import { SocketListener, UDPSocket, inspectSocket, listenFds, wrapServerSocket } from "portio";

// Under systemd socket activation the sockets come with LISTEN_FDS; otherwise fd 3 is ours.
const activated = await listenFds();
const info = await inspectSocket(activated[0]?.fd ?? 3);
console.log(`child: fd ${info.fd} is ${info.family}/${info.type}, ${info.state}`);
const server = activated[0]?.socket ?? (await wrapServerSocket(3));

const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());

if (server instanceof SocketListener) {
  // serve() runs one handler per connection; each echoes until its client half-closes.
  await server.serve(
    async (stream) => {
      for await (const chunk of stream) await stream.send(chunk);
    },
    { signal: stop.signal },
  );
} else if (server instanceof UDPSocket) {
  for await (const [data, [host, port]] of server) await server.sendto(data, host, port);
}
await server.aclose();
console.log("child: stopped");
