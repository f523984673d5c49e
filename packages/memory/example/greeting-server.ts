/** The server side of the docs example: answers every HELLO with a greeting. */
import { BufferedByteReceiveStream, createTcpListener, type MultiListener, type SocketStream } from "@portio/core";

const encoder = new TextEncoder();

/** Listens on `port` of every address of the current backend's host and serves until `signal` aborts. */
export async function startGreetingServer(
  port: number,
  signal: AbortSignal,
): Promise<{ listener: MultiListener<SocketStream>; served: Promise<void> }> {
  const listener = await createTcpListener({ localPort: port });
  const served = listener.serve(
    async (stream) => {
      const reader = new BufferedByteReceiveStream(stream);
      await reader.receiveUntil(encoder.encode("\n"), 1024);
      await stream.send(encoder.encode("hello, world\n"));
    },
    { signal, onError: () => {} },
  );
  return { listener, served };
}
