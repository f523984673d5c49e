/** A Deno program that picks the backend itself: @portio/deno and @portio/core from npm. */
import { connectTcp, createTcpListener, SocketAttribute } from "@portio/core";
import { denoBackend, register } from "@portio/deno";

register();
const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
const stop = new AbortController();
const serving = listener.serve(
  async (stream) => {
    await stream.send(await stream.receive());
  },
  { signal: stop.signal },
);
const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
await client.send(new TextEncoder().encode(denoBackend.name));
const echoed = new TextDecoder().decode(await client.receive());
if (echoed !== "deno") throw new Error(`echoed ${echoed}`);
console.log(`deno-direct: ${echoed}`);
await client.aclose();
stop.abort();
await serving;
await listener.aclose();
