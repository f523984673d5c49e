// A TCP echo client: sends each line, prints what comes back.
//
//   node examples/echo/client.mjs [host] [port] [line...]   (defaults: 127.0.0.1, 7007)
// @ts-check
import { BufferedByteStream, connectTcp } from "portio";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const newline = encoder.encode("\n");
const show = (/** @type {string} */ s) => JSON.stringify(s.length > 40 ? `${s.slice(0, 30)}… (${s.length} chars)` : s);

/**
 * Connects, sends every line, reads each echo back, half-closes, closes. Returns the replies.
 * @param {{ host?: string, port?: number, lines: string[], log?: (message: string) => void }} options
 */
export async function runEchoClient({ host = "127.0.0.1", port = 7007, lines, log = console.log }) {
  const stream = new BufferedByteStream(await connectTcp(host, port));
  try {
    const replies = [];
    for (const line of lines) {
      await stream.send(encoder.encode(`${line}\n`));
      // receiveUntil strips the delimiter; a line longer than 64 KiB would be DelimiterNotFound.
      const reply = decoder.decode(await stream.receiveUntil(newline, 65536, { signal: AbortSignal.timeout(5000) }));
      log(`client: sent ${show(line)}, got back ${show(reply)}`);
      replies.push(reply);
    }
    await stream.sendEof(); // the server sees EndOfStream and finishes
    return replies;
  } finally {
    await stream.aclose();
  }
}

const isMain = import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [host = "127.0.0.1", port = "7007", ...lines] = process.argv.slice(2);
  await runEchoClient({ host, port: Number(port), lines: lines.length ? lines : ["hello", "portio"] });
}
