// A small Redis client on portio: RESP2 over TCP or TLS, pipelining, pub/sub. Runs unchanged on
// Node, Deno and Bun (`import "portio"` picks the runtime's backend).
// @ts-check
import { BufferedByteStream, connectTcp } from "portio";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF = encoder.encode("\r\n");
/** Longest reply line (status, error, length header) this client accepts. */
const MAX_LINE = 64 * 1024;

/** An error reply from the server (`-ERR ...`). */
export class RedisError extends Error {}

/**
 * One connection to a Redis server.
 *
 * @example
 * ```js
 * const redis = await RedisClient.connect({ host: "127.0.0.1", port: 6379 });
 * await redis.command("SET", "greeting", "hello");
 * console.log(await redis.command("GET", "greeting")); // "hello"
 * await redis.close();
 * ```
 */
export class RedisClient {
  /** @param {BufferedByteStream} stream */
  constructor(stream) {
    this.stream = stream;
  }

  /**
   * Connects; with `tls`, over TLS (`tls.ca` to trust a private CA, `tls.hostname` for the name
   * in the certificate).
   * @param {{ host: string; port: number; tls?: { ca?: string; hostname?: string } }} options
   */
  static async connect({ host, port, tls }) {
    const stream = tls ? await connectTcp(host, port, { tls }) : await connectTcp(host, port);
    return new RedisClient(new BufferedByteStream(stream));
  }

  /**
   * Sends one command and resolves with its reply (string, number, null, array), or rejects
   * with a {@link RedisError}.
   * @param {...(string | number)} args
   */
  async command(...args) {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof RedisError) throw reply;
    return reply;
  }

  /**
   * Pipelining: every command goes out in one write, then the replies are read in order. Error
   * replies come back as {@link RedisError} values in their place.
   * @param {Array<Array<string | number>>} commands
   */
  async pipeline(commands) {
    await this.stream.send(commands.flatMap(encodeCommand));
    const replies = [];
    for (let i = 0; i < commands.length; i++) replies.push(await readReply(this.stream));
    return replies;
  }

  /**
   * Subscribes this connection to `channels` (it is then a subscriber only) and yields each
   * message as `{ channel, message }`.
   * @param {string[]} channels
   * @returns {AsyncGenerator<{ channel: string; message: string }>}
   */
  async *subscribe(...channels) {
    await this.stream.send(encodeCommand(["SUBSCRIBE", ...channels]));
    for (let i = 0; i < channels.length; i++) await readReply(this.stream); // the confirmations
    for (;;) {
      const push = await readReply(this.stream);
      if (Array.isArray(push) && push[0] === "message") yield { channel: String(push[1]), message: String(push[2]) };
    }
  }

  close() {
    return this.stream.aclose();
  }
}

/**
 * A command as RESP buffers: `*N`, then `$len` + bytes per argument. Returned as separate
 * buffers: `send([...])` writes them in one go without joining them here.
 * @param {Array<string | number>} args
 */
function encodeCommand(args) {
  const parts = [encoder.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = encoder.encode(String(arg));
    parts.push(encoder.encode(`$${bytes.byteLength}\r\n`), bytes, CRLF);
  }
  return parts;
}

/**
 * Reads one RESP reply.
 * @param {BufferedByteStream} stream
 * @returns {Promise<any>}
 */
async function readReply(stream) {
  const line = decoder.decode(await stream.receiveUntil("\r\n", MAX_LINE));
  const rest = line.slice(1);
  switch (line[0]) {
    case "+":
      return rest;
    case "-":
      return new RedisError(rest);
    case ":":
      return Number(rest);
    case "$": {
      const length = Number(rest);
      if (length < 0) return null;
      const data = await stream.receiveExactly(length + 2);
      return decoder.decode(data.subarray(0, length));
    }
    case "*": {
      const count = Number(rest);
      if (count < 0) return null;
      const items = [];
      for (let i = 0; i < count; i++) items.push(await readReply(stream));
      return items;
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(line)}`);
  }
}
