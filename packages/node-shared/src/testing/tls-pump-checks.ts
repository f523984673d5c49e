/**
 * Checks of node:tls over a portio stream (`wrapTls` with a `PortioDuplex` pump) that Node, Bun
 * and Deno all run: each is a name and a body that throws on failure, registered by the runtime's
 * test file after `setBackend`.
 * @module
 */
import { SocketAttribute, TLSStream, connectTcp, createTcpListener, type SocketStream } from "@portio/core";
import { wrapTls } from "../tls.ts";
import { generateTestCertificates } from "./certificates.ts";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** The checks, by name. */
export const tlsPumpChecks: ReadonlyArray<{ name: string; run(): Promise<void> }> = [
  {
    name:
      "a reader slower than the network holds the pump back, never pausing the TLS socket, and gets every byte, " +
      "then the close_notify as the end",
    async run() {
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
      // No native transport given: the pump's path on every runtime.
      const client = await wrapTls(
        clientRaw,
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
      const server = await wrapping;
      try {
        let pauses = 0;
        const pause = client.socket.pause;
        client.socket.pause = function (this: typeof client.socket) {
          pauses++;
          return pause.call(this);
        };
        const size = 2 * 1024 * 1024;
        const data = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
        const sending = (async () => {
          for (let offset = 0; offset < size; offset += 64 * 1024) await server.send(data.subarray(offset, offset + 64 * 1024));
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
          // Slower than the network: the plaintext queue fills, and the pump has to wait.
          if (round % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
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
        check(pauses === 0, `the TLS socket was paused ${pauses} times (a full queue must hold the pump back instead)`);
      } finally {
        // The session leaves the stream under it open: the stream's close ends the connection.
        await client.close(0);
        await Promise.all([clientRaw.aclose(), server.aclose(), listener.aclose()]);
      }
    },
  },
];
