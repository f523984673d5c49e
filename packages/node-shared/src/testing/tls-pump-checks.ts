/**
 * Checks of node:tls over a portio stream (`wrapTls` with a `PortioDuplex` pump) that Node, Bun
 * and Deno all run: each is a name and a body that throws on failure, registered by the runtime's
 * test file after `setBackend`.
 * @module
 */
import { SocketAttribute, TLSStream, connectTcp, createTcpListener, type AnyByteStream, type SocketStream } from "@portio/core";
import { PortioDuplex } from "../tls-duplex.ts";
import { wrapTls } from "../tls.ts";
import type { NodeTLSTransport } from "../tls-transport.ts";
import { generateTestCertificates } from "./certificates.ts";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/**
 * Records every piece each pump (the client's, and the server's where TLSStream.wrap runs one)
 * feeds its engine until `stop()`; `check()` then checks where the feeds end (see
 * {@link checkAlertsFedAlone}) and that the busiest pump fed a whole session's records.
 */
function recordFeeds(): { check(): void; stop(): void } {
  const pieces = new Map<PortioDuplex, Uint8Array[]>();
  const push = PortioDuplex.prototype.push;
  PortioDuplex.prototype.push = function (this: PortioDuplex, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk instanceof Uint8Array) {
      if (!pieces.has(this)) pieces.set(this, []);
      pieces.get(this)!.push(chunk.slice());
    }
    return push.call(this, chunk, encoding);
  };
  return {
    check() {
      const records = [...pieces.values()].map(checkAlertsFedAlone);
      // The client's engine got the server's handshake, the data and the close_notify.
      check(Math.max(0, ...records) > 5, `the client's pump fed the records (${records.join(", ")})`);
    },
    stop() {
      PortioDuplex.prototype.push = push;
    },
  };
}

/**
 * Checks that the pieces fed to the TLS engine, read as one stream of TLS records, feed every
 * record that may be an alert (not application data, or a body of at most 2048 bytes) on its own:
 * it starts a piece and the piece ends with it. Returns how many records there were.
 */
function checkAlertsFedAlone(pieces: readonly Uint8Array[]): number {
  const bounds = new Set<number>([0]);
  let total = 0;
  for (const piece of pieces) bounds.add((total += piece.byteLength));
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  let records = 0;
  for (let start = 0; start + 5 <= total; records++) {
    const length = (bytes[start + 3]! << 8) | bytes[start + 4]!;
    const end = start + 5 + length;
    if (bytes[start] !== 23 || length <= 2048) {
      check(
        bounds.has(start) && bounds.has(end),
        `the record at byte ${start} (type ${bytes[start]}, ${length} bytes) was fed on its own`,
      );
    }
    start = end;
  }
  return records;
}

/**
 * A TLS session over loopback TCP whose client side runs node:tls over the pump (`wrapTls` with
 * no native transport, on every runtime), over `clientStream(raw)`; the server is a TLSStream.
 */
async function pumpedSession(clientStream: (raw: SocketStream) => AnyByteStream) {
  const certificates = generateTestCertificates();
  const listener = await createTcpListener({ localHost: "127.0.0.1" });
  // A MultiListener's parts are SocketListeners, which accept one connection at a time.
  const accepting = (listener.listeners[0] as unknown as { accept(): Promise<SocketStream> }).accept();
  const clientRaw = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  const serverRaw = await accepting;
  const wrapping = TLSStream.wrap(serverRaw, {
    serverSide: true,
    cert: certificates.serverCert,
    key: certificates.serverKey,
  });
  const client = await wrapTls(
    clientStream(clientRaw),
    {
      serverSide: false,
      hostname: "localhost",
      ca: certificates.ca,
      verifyCertificate: true,
      verifyHostname: true,
      requestClientCertificate: false,
      standardCompatible: true,
      unwrappable: true,
    },
    undefined,
    "test",
  );
  return { listener, clientRaw, client, server: await wrapping };
}

/**
 * Runs a download through the client's pump: the server sends `size` bytes in `sendChunk` sends
 * and closes with close_notify; the client reads them all (pausing for a macrotask every fourth
 * read when `slowReader`), then sees the close_notify as the end. `watch` is given the client
 * session before the transfer and returns a check to run after it.
 */
async function checkPumpedDownload(options: {
  clientStream: (raw: SocketStream) => AnyByteStream;
  size: number;
  sendChunk: number;
  slowReader: boolean;
  watch?: (client: NodeTLSTransport) => () => void;
}): Promise<void> {
  const { size, sendChunk } = options;
  const feeds = recordFeeds();
  let session: Awaited<ReturnType<typeof pumpedSession>>;
  try {
    session = await pumpedSession(options.clientStream);
  } catch (error) {
    feeds.stop();
    throw error;
  }
  const { listener, clientRaw, client, server } = session;
  try {
    const afterTransfer = options.watch?.(client);
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
    const sending = (async () => {
      for (let offset = 0; offset < size; offset += sendChunk) await server.send(data.subarray(offset, offset + sendChunk));
      await server.aclose();
    })();
    const received = new Uint8Array(size);
    let length = 0;
    let end: unknown;
    // At most one round per byte plus the end.
    for (let round = 0; round <= size; round++) {
      const chunk = await client.read();
      if (chunk === null) break;
      check(length + chunk.byteLength <= size, "no more bytes than were sent");
      received.set(chunk, length);
      length += chunk.byteLength;
      if (options.slowReader && round % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await sending.catch((error: unknown) => {
      end = error;
    });
    check(end === undefined, `the server sent everything (${String(end)})`);
    check(length === size, `received ${length} of ${size} bytes`);
    check(
      received.every((byte, i) => byte === data[i]),
      "received data",
    );
    check(client.closeNotifyReceived, "the end was the server's close_notify");
    afterTransfer?.();
    feeds.check();
  } finally {
    feeds.stop();
    // The session leaves the stream under it open: the stream's close ends the connection.
    await client.close(0);
    await Promise.all([clientRaw.aclose(), server.aclose(), listener.aclose()]);
  }
}

/** The checks, by name. */
export const tlsPumpChecks: ReadonlyArray<{ name: string; run(): Promise<void> }> = [
  {
    name:
      "a reader slower than the network holds the pump back, never pausing the TLS socket, and gets every byte, " +
      "then the close_notify as the end",
    run: () =>
      checkPumpedDownload({
        clientStream: (raw) => raw,
        size: 2 * 1024 * 1024,
        sendChunk: 64 * 1024,
        // Slower than the network: the plaintext queue fills, and the pump has to wait.
        slowReader: true,
        watch(client) {
          let pauses = 0;
          const pause = client.socket.pause;
          client.socket.pause = function (this: typeof client.socket) {
            pauses++;
            return pause.call(this);
          };
          return () =>
            check(pauses === 0, `the TLS socket was paused ${pauses} times (a full queue must hold the pump back instead)`);
        },
      }),
  },
  {
    name:
      "records that arrive a few bytes at a time (headers split across reads) are all fed, and the close_notify " +
      "still ends the stream",
    run: () =>
      checkPumpedDownload({
        // 7-byte reads: record headers (5 bytes) start at every offset of a read and often span two.
        clientStream: (raw) =>
          new Proxy(raw, {
            get(target, property) {
              if (property === "receive") return () => target.receive(7);
              const value: unknown = Reflect.get(target, property, target);
              return typeof value === "function" ? value.bind(target) : value;
            },
          }),
        size: 40 * 1024,
        sendChunk: 10 * 1024,
        slowReader: false,
      }),
  },
];
