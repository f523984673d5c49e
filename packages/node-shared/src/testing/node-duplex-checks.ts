/**
 * Checks of `toNodeDuplex` that every runtime with node:stream and node:http runs (Node under
 * vitest, Deno and Bun under their own runners): each is a name and a body that throws on
 * failure. The runtime's test file registers them with its runner after `setBackend`.
 * @module
 */
import http from "node:http";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { EndOfStream, SocketAttribute, connectTcp, createTcpListener, type ByteStream, type SocketStream } from "@portio/core";
import { toNodeDuplex } from "../node-duplex.ts";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Everything until the end of the stream, as text. */
async function receiveText(stream: ByteStream): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) text += decoder.decode(await stream.receive(), { stream: true });
  } catch (error) {
    if (!(error instanceof EndOfStream)) throw error;
  }
  return text + decoder.decode();
}

/** A connected TCP pair on loopback, through the registered backend. */
async function tcpPair(): Promise<[SocketStream, SocketStream, () => Promise<void>]> {
  const listener = await createTcpListener({ localHost: "127.0.0.1" });
  // A MultiListener's parts are SocketListeners, which accept one connection at a time.
  const accept = (listener.listeners[0] as unknown as { accept(): Promise<SocketStream> }).accept();
  const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  const server = (await accept) as SocketStream;
  return [
    client,
    server,
    async () => {
      await Promise.all([client.aclose(), server.aclose(), listener.aclose()]);
    },
  ];
}

const pattern = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);

/** Lets pending I/O callbacks run (a few macrotasks); nothing is timed. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The checks, by name. */
export const nodeDuplexChecks: ReadonlyArray<{ name: string; run(): Promise<void> }> = [
  {
    name: "a node:http server serves over a portio listener (server.emit('connection', toNodeDuplex(stream)))",
    async run() {
      const listener = await createTcpListener({ localHost: "127.0.0.1" });
      const server = http.createServer((request, response) => {
        response.setHeader("connection", "close");
        response.end(`hello ${request.method} ${request.url}`);
      });
      const stop = new AbortController();
      const serving = listener.serve(
        (stream, { signal }) =>
          new Promise<void>((done) => {
            const socket = toNodeDuplex(stream, { allowHalfOpen: false });
            socket.once("close", () => done());
            signal.addEventListener("abort", () => socket.destroy(), { once: true });
            server.emit("connection", socket);
          }),
        { signal: stop.signal },
      );
      try {
        const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
        await client.send(utf8("GET /path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        const response = await receiveText(client);
        await client.aclose();
        check(response.startsWith("HTTP/1.1 200"), `status line: ${JSON.stringify(response.slice(0, 40))}`);
        check(response.endsWith("hello GET /path"), `body: ${JSON.stringify(response)}`);
      } finally {
        stop.abort();
        await serving;
        await listener.aclose();
      }
    },
  },
  {
    name: "http.request runs over a portio stream (createConnection: () => toNodeDuplex(stream))",
    async run() {
      const server = http.createServer((request, response) => response.end(`plain ${request.url}`));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
      try {
        const port = (server.address() as { port: number }).port;
        const stream = await connectTcp("127.0.0.1", port);
        const body = await new Promise<string>((resolve, reject) => {
          const request = http.request(
            {
              host: "127.0.0.1",
              port,
              path: "/y",
              agent: false,
              headers: { connection: "close" },
              createConnection: () => toNodeDuplex(stream) as never,
            },
            (response) => {
              let text = "";
              response.setEncoding("utf8");
              response.on("data", (chunk: string) => (text += chunk));
              response.on("end", () => resolve(text));
              response.on("error", reject);
            },
          );
          request.on("error", reject);
          request.end();
        });
        check(body === "plain /y", `body: ${JSON.stringify(body)}`);
        await stream.aclose();
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  },
  {
    name: "backpressure: a paused Duplex holds at most about two high-water marks; the rest waits in the portio stream and arrives intact",
    async run() {
      const [client, server, close] = await tcpPair();
      try {
        const duplex = toNodeDuplex(server, { readableHighWaterMark: 16384 });
        duplex.pause();
        const data = pattern(4 * 1024 * 1024);
        const sending = client.send(data).then(() => client.sendEof());
        duplex.read(0); // starts reading into the buffer, as a consumer's first read would
        while (duplex.readableLength === 0) await settle();
        await settle();
        check(duplex.readableLength <= 2 * 16384, `buffered ${duplex.readableLength} bytes while paused`);
        const received: Uint8Array[] = [];
        // A slow consumer: each chunk is taken a macrotask later.
        await pipeline(
          duplex,
          new Writable({
            highWaterMark: 1024,
            write(chunk: Uint8Array, _encoding, callback) {
              received.push(new Uint8Array(chunk));
              setTimeout(callback, 0);
            },
          }),
        );
        await sending;
        const total = received.reduce((sum, chunk) => sum + chunk.byteLength, 0);
        check(total === data.byteLength, `received ${total} of ${data.byteLength} bytes`);
        let offset = 0;
        for (const chunk of received) {
          for (let i = 0; i < chunk.byteLength; i++) check(chunk[i] === data[offset + i], `byte ${offset + i} differs`);
          offset += chunk.byteLength;
        }
      } finally {
        await close();
      }
    },
  },
  {
    name: "end() sends EOF; destroy() closes the portio stream (the peer sees the end)",
    async run() {
      const [client, server, close] = await tcpPair();
      try {
        const duplex = toNodeDuplex(server);
        await new Promise<void>((resolve, reject) => duplex.end(utf8("bye"), () => resolve()).once("error", reject));
        check((await receiveText(client)) === "bye", "the peer got the data, then EOF");
        duplex.destroy();
        await new Promise((resolve) => duplex.once("close", resolve));
        let closed = false;
        try {
          await server.receive();
        } catch (error) {
          closed = (error as Error).name === "ClosedResourceError";
        }
        check(closed, "the portio stream is closed after destroy()");
      } finally {
        await close();
      }
    },
  },
];
