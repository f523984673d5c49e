// The one request the example servers answer: a line in, `pong <runtime> <pid>` out.
// @ts-check
import { BufferedByteReceiveStream } from "portio";
import { currentRuntime } from "./runtimes.mjs";

const newline = new TextEncoder().encode("\n");
const pid = /** @type {{ Deno?: { pid: number } }} */ (globalThis).Deno?.pid ?? process.pid;
const answer = new TextEncoder().encode(`pong ${currentRuntime()} ${pid}\n`);

/**
 * A `serve()` handler: reads one line, answers it, and returns (serve then closes the stream).
 * It ignores the stop signal on purpose: a request that was accepted is always answered, which
 * is what lets an old process finish its connections during a restart.
 * @param {import("portio").SocketStream} stream
 */
export async function reply(stream) {
  const buffered = new BufferedByteReceiveStream(stream);
  await buffered.receiveUntil(newline, 1024);
  await stream.send(answer);
}
