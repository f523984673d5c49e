// A TCP echo server: every byte a client sends comes straight back.
//
//   node examples/echo/server.mjs [host] [port]      (defaults: 127.0.0.1, 7007; port 0 = any)
//
// Plain ESM JavaScript importing "portio", so it runs unchanged on every runtime portio has a
// backend for (today: Node.js). Stop it with Ctrl-C.
// @ts-check
import { createTcpListener, EndOfStream, SocketAttribute } from "portio";

/**
 * Starts listening and serving. Resolves once the listener is bound, with its port and a
 * `stop()` that stops serving, waits for the handlers and closes the listener.
 * @param {{ host?: string, port?: number, log?: (message: string) => void }} [options]
 */
export async function startEchoServer({ host = "127.0.0.1", port = 7007, log = console.log } = {}) {
  const listener = await createTcpListener({ localHost: host, localPort: port });
  const boundPort = listener.extra(SocketAttribute.localPort);
  const stopper = new AbortController();

  const serving = listener.serve(
    async (stream, { signal }) => {
      const address = stream.extra(SocketAttribute.remoteAddress); // [host, port]
      const peer = typeof address === "string" ? address : address.join(":");
      log(`server: ${peer} connected`);
      // Async iteration ends when the client half-closes (EndOfStream); `signal` aborts when the
      // server stops, which ends a receive that is still waiting.
      try {
        while (true) {
          const chunk = await stream.receive(65536, { signal });
          await stream.send(chunk, { signal });
        }
      } catch (error) {
        if (!(error instanceof EndOfStream) && !signal.aborted) throw error;
      }
      log(`server: ${peer} done`);
      // serve() closes the stream when this handler returns.
    },
    { signal: stopper.signal },
  );

  return {
    port: boundPort,
    async stop() {
      stopper.abort();
      await serving;
      await listener.aclose();
    },
  };
}

const isMain = import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [host = "127.0.0.1", port = "7007"] = process.argv.slice(2);
  const server = await startEchoServer({ host, port: Number(port) });
  console.log(`echo server listening on ${host}:${server.port} (Ctrl-C stops it)`);
  const stop = async () => {
    await server.stop();
    console.log("echo server stopped");
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
