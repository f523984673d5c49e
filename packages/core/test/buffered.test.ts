// Ported from AnyIO tests/streams/test_buffered.py (each `it` names the AnyIO case), plus the
// portio guarantees docs/design.md adds: an aborted call loses no bytes, attributes pass through.
// Transports are memory object streams, as in AnyIO.
import { describe, expect, it } from "vitest";
import type { CallOptions } from "../src/abc/resource.ts";
import type { ByteReceiveStream, ObjectReceiveStream } from "../src/abc/streams.ts";
import {
  BusyResourceError,
  ClosedResourceError,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  TypedAttributeLookupError,
} from "../src/errors.ts";
import { SocketAttribute } from "../src/socket-attributes.ts";
import { BufferedByteReceiveStream, BufferedByteStream } from "../src/streams/buffered.ts";
import { createMemoryObjectStream } from "../src/streams/memory.ts";
import { StapledObjectStream } from "../src/streams/stapled.ts";
import { TypedAttributeProvider, mergeAttributes, type TypedAttributeMap } from "../src/typed-attributes.ts";

const enc = new TextEncoder();
const b = (text: string) => enc.encode(text);
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A byte stream (receive(maxBytes)) serving fixed chunks, then EndOfStream; records maxBytes asked. */
class ChunkByteStream extends TypedAttributeProvider implements ByteReceiveStream {
  closed = false;
  constructor(private readonly chunks: Uint8Array[]) {
    super();
  }
  async receive(maxBytes = 65536, _options?: CallOptions): Promise<Uint8Array> {
    if (this.closed) throw new ClosedResourceError();
    const chunk = this.chunks.shift();
    if (chunk === undefined) throw new EndOfStream();
    if (chunk.length > maxBytes) this.chunks.unshift(chunk.subarray(maxBytes));
    return chunk.subarray(0, maxBytes);
  }
  async aclose(): Promise<void> {
    this.closed = true;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.aclose();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) yield await this.receive();
  }
}

/** An object receive stream with socket attributes, delegating to another. */
class AttributedReceiveStream extends TypedAttributeProvider implements ObjectReceiveStream<Uint8Array> {
  constructor(private readonly inner: ObjectReceiveStream<Uint8Array>) {
    super();
  }
  override get extraAttributes(): TypedAttributeMap {
    return mergeAttributes([
      [SocketAttribute.localPort, () => 1234],
      [SocketAttribute.family, () => "inet"],
    ]);
  }
  receive(options?: CallOptions) {
    return this.inner.receive(options);
  }
  aclose() {
    return this.inner.aclose();
  }
  [Symbol.asyncDispose]() {
    return this.inner.aclose();
  }
  [Symbol.asyncIterator]() {
    return this.inner[Symbol.asyncIterator]();
  }
}

describe("BufferedByteReceiveStream (AnyIO test_buffered.py)", () => {
  it("test_receive_exactly", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const buffered = new BufferedByteReceiveStream(receive);
    await send.send(b("abcd"));
    await send.send(b("efgh"));
    const result = await buffered.receiveExactly(8);
    expect(result).toEqual(b("abcdefgh"));
    expect(result).toBeInstanceOf(Uint8Array);
    send.close();
    receive.close();
  });

  it("test_receive_exactly_incomplete", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await send.send(b("abcd"));
    await send.aclose();
    await expect(buffered.receiveExactly(8)).rejects.toBeInstanceOf(IncompleteRead);
    expect(buffered.buffer).toEqual(b("abcd"));
    receive.close();
  });

  it("test_receive_until", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const buffered = new BufferedByteReceiveStream(receive);
    await send.send(b("abcd"));
    await send.send(b("efgh"));

    let result = await buffered.receiveUntil(b("de"), 10);
    expect(result).toEqual(b("abc"));
    expect(result).toBeInstanceOf(Uint8Array);

    result = await buffered.receiveUntil(b("h"), 10);
    expect(result).toEqual(b("fg"));
    expect(buffered.buffer).toEqual(new Uint8Array(0));
    send.close();
    receive.close();
  });

  it("test_receive_until_incomplete", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await send.send(b("abcd"));
    await send.aclose();
    await expect(buffered.receiveUntil(b("de"), 10)).rejects.toBeInstanceOf(IncompleteRead);
    expect(buffered.buffer).toEqual(b("abcd"));
    receive.close();
  });

  it("test_buffered_stream: full duplex; sendEof closes only the sending side", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    await send.send(b("abcd"));
    expect(await buffered.receiveExactly(2)).toEqual(b("ab"));
    expect(await buffered.receiveExactly(2)).toEqual(b("cd"));

    // sendEof() closes only the sending end
    await buffered.sendEof();
    expect(() => send.sendNowait(b("abc"))).toThrow(ClosedResourceError);
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);

    // aclose() closes the receive stream too
    await buffered.aclose();
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });

  it("test_buffered_connectable: a freshly connected stream wrapped (portio has no Connectable)", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const connect = async () => new BufferedByteStream(new StapledObjectStream(send, receive));
    {
      await using stream = await connect();
      expect(stream).toBeInstanceOf(BufferedByteStream);
      await stream.send(b("abcd"));
      expect(await stream.receiveExactly(2)).toEqual(b("ab"));
      expect(await stream.receiveExactly(2)).toEqual(b("cd"));
    }
    // `await using` closed both halves
    expect(send.statistics().openSendStreams).toBe(0);
    expect(send.statistics().openReceiveStreams).toBe(0);
  });

  for (const maxBytes of [0, -1, 1.5]) {
    it(`test_receive_invalid_max_bytes[${maxBytes}]`, async () => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
      const buffered = new BufferedByteReceiveStream(receive);
      await expect(buffered.receive(maxBytes)).rejects.toThrow(RangeError);
      await expect(buffered.receive(maxBytes)).rejects.toThrow("maxBytes must be a positive integer");
      send.close();
      receive.close();
    });

    it(`test_buffered_stream_receive_invalid_max_bytes[${maxBytes}]`, async () => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
      const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
      await expect(buffered.receive(maxBytes)).rejects.toThrow("maxBytes must be a positive integer");
      await buffered.aclose();
      expect(send.statistics().openReceiveStreams).toBe(0);
    });
  }

  it("test_feed_data: fed bytes come out before stream bytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    send.sendNowait(b("abcd"));
    // The stream has not received the sent data yet, so "xxx" comes out of the buffer first,
    // despite this order of data input.
    buffered.feedData(b("xxx"));
    buffered.feedData(b("foo"));
    expect(await buffered.receiveExactly(10)).toEqual(b("xxxfooabcd"));
    await buffered.aclose();
  });
});

describe("BufferedByteReceiveStream (portio)", () => {
  it("feedData copies a Node Buffer too (its slice() is a view): the caller may overwrite it at once", async () => {
    // Core's tests have no Node types; Node, Bun and Deno all serve node:buffer.
    type NodeBuffer = Uint8Array & { write(text: string): number };
    const { Buffer } = (await import("node:buffer" as string)) as { Buffer: { from(text: string): NodeBuffer } };
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    const data = Buffer.from("fed");
    buffered.feedData(data);
    data.write("xxx");
    expect(await buffered.receive()).toEqual(b("fed"));
    await buffered.aclose();
  });

  it("receive serves the buffer first and keeps an object stream's surplus bytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
    const buffered = new BufferedByteReceiveStream(receive);
    send.sendNowait(b("hello world"));
    expect(await buffered.receive(5)).toEqual(b("hello"));
    expect(buffered.buffer).toEqual(b(" world"));
    expect(await buffered.receive()).toEqual(b(" world"));
    send.close();
    await expect(buffered.receive()).rejects.toBeInstanceOf(EndOfStream);
  });

  it("works over a ByteReceiveStream too", async () => {
    const inner = new ChunkByteStream([b("ab"), b("cdef"), b("g\r"), b("\nrest")]);
    const buffered = new BufferedByteReceiveStream(inner);
    expect(await buffered.receiveExactly(3)).toEqual(b("abc"));
    expect(await buffered.receiveUntil(b("\r\n"), 100)).toEqual(b("defg"));
    expect(await buffered.receive(2)).toEqual(b("re"));
    expect(await buffered.receive()).toEqual(b("st"));
    await expect(buffered.receive()).rejects.toBeInstanceOf(EndOfStream);
    await buffered.aclose();
    expect(inner.closed).toBe(true);
  });

  it("receiveUntil finds a delimiter split over many one-byte chunks", async () => {
    const message = "first line, with some length to it\r\n\r\nsecond";
    const inner = new ChunkByteStream([...b(message)].map((byte) => Uint8Array.of(byte)));
    const buffered = new BufferedByteReceiveStream(inner);
    expect(new TextDecoder().decode(await buffered.receiveUntil(b("\r\n\r\n"), 1000))).toBe("first line, with some length to it");
    expect(buffered.buffer).toEqual(new Uint8Array(0));
    expect(await buffered.receiveExactly(6)).toEqual(b("second"));
  });

  it("receiveUntil finds a delimiter at the very start, and one already buffered", async () => {
    const buffered = new BufferedByteReceiveStream(new ChunkByteStream([]));
    buffered.feedData(b("\nabc\n"));
    expect(await buffered.receiveUntil(b("\n"), 10)).toEqual(new Uint8Array(0));
    expect(await buffered.receiveUntil(b("\n"), 10)).toEqual(b("abc"));
  });

  it("receiveUntil throws DelimiterNotFound once maxBytes are buffered without it, keeping them", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
    const buffered = new BufferedByteReceiveStream(receive);
    send.sendNowait(b("abc"));
    send.sendNowait(b("def"));
    const error = await buffered.receiveUntil(b("\n"), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelimiterNotFound);
    expect((error as DelimiterNotFound).maxBytes).toBe(5);
    expect((error as Error).message).toBe("The delimiter was not found among the first 5 bytes");
    expect(buffered.buffer).toEqual(b("abcdef"));
    send.close();
    receive.close();
  });

  it("rejects bad arguments with RangeError", async () => {
    const buffered = new BufferedByteReceiveStream(new ChunkByteStream([]));
    await expect(buffered.receiveUntil(new Uint8Array(0), 10)).rejects.toThrow(RangeError);
    await expect(buffered.receiveUntil(b("\n"), 0)).rejects.toThrow(RangeError);
    await expect(buffered.receiveExactly(-1)).rejects.toThrow(RangeError);
    expect(await buffered.receiveExactly(0)).toEqual(new Uint8Array(0));
  });

  it("an aborted receive loses no bytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    const controller = new AbortController();
    const receiving = buffered.receive(65536, { signal: controller.signal });
    await settle();
    controller.abort();
    await expect(receiving).rejects.toBe(controller.signal.reason);
    await send.send(b("kept"));
    expect(await buffered.receive()).toEqual(b("kept"));
    send.close();
    receive.close();
  });

  it("an aborted receiveExactly keeps what it had gathered", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    const controller = new AbortController();
    const receiving = buffered.receiveExactly(6, { signal: controller.signal });
    await send.send(b("abc"));
    await settle();
    controller.abort();
    await expect(receiving).rejects.toBe(controller.signal.reason);
    expect(buffered.buffer).toEqual(b("abc"));
    await send.send(b("def"));
    expect(await buffered.receiveExactly(6)).toEqual(b("abcdef"));
    send.close();
    receive.close();
  });

  it("an aborted receiveUntil keeps its bytes; the retry finds the delimiter", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    const controller = new AbortController();
    const receiving = buffered.receiveUntil(b("\n"), 100, { signal: controller.signal });
    await send.send(b("par"));
    await settle();
    controller.abort(new Error("timeout"));
    await expect(receiving).rejects.toThrow("timeout");
    await send.send(b("tial\nnext"));
    expect(await buffered.receiveUntil(b("\n"), 100)).toEqual(b("partial"));
    expect(buffered.buffer).toEqual(b("next"));
    send.close();
    receive.close();
  });

  it("an error from the wrapped stream reaches the next caller after an abort", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    const controller = new AbortController();
    const receiving = buffered.receive(10, { signal: controller.signal });
    await settle();
    controller.abort();
    await expect(receiving).rejects.toBe(controller.signal.reason);
    send.close(); // the pending inner receive now fails with EndOfStream
    await settle();
    await expect(buffered.receive()).rejects.toBeInstanceOf(EndOfStream);
    receive.close();
  });

  it("an already-aborted signal rejects at once, even with data buffered", async () => {
    const buffered = new BufferedByteReceiveStream(new ChunkByteStream([]));
    buffered.feedData(b("data"));
    const reason = new Error("gone");
    await expect(buffered.receive(10, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(buffered.buffer).toEqual(b("data"));
  });

  it("returned chunks are not changed by later buffering", async () => {
    const buffered = new BufferedByteReceiveStream(new ChunkByteStream([b("BBBB"), b("CCCC")]));
    buffered.feedData(b("aaaa"));
    buffered.feedData(b("bbbb")); // the buffer is now owned scratch space
    const first = await buffered.receive(2);
    expect(first).toEqual(b("aa"));
    expect(await buffered.receiveExactly(10)).toEqual(b("aabbbbBBBB"));
    buffered.feedData(b("zzzzzzzz"));
    expect(first).toEqual(b("aa"));
    expect(await buffered.receive()).toEqual(b("zzzzzzzz"));
    expect(await buffered.receive()).toEqual(b("CCCC"));
  });

  it("feedData copies its argument", async () => {
    const buffered = new BufferedByteReceiveStream(new ChunkByteStream([]));
    const data = b("abc");
    buffered.feedData(data);
    data[0] = 0x7a;
    expect(await buffered.receive()).toEqual(b("abc"));
  });

  it("after aclose, calls reject with ClosedResourceError; a pending call is woken", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    const pending = buffered.receive();
    await settle();
    await buffered.aclose();
    await expect(pending).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(buffered.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(buffered.receiveExactly(1)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(buffered.receiveUntil(b("\n"), 10)).rejects.toBeInstanceOf(ClosedResourceError);
    await buffered.aclose(); // idempotent
    send.close();
  });

  it("a second concurrent receive is a BusyResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    const first = buffered.receive();
    await expect(buffered.receiveExactly(1)).rejects.toBeInstanceOf(BusyResourceError);
    send.sendNowait(b("x"));
    expect(await first).toEqual(b("x"));
    send.close();
    receive.close();
  });

  it("passes the wrapped stream's attributes through", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(new AttributedReceiveStream(receive));
    expect(buffered.extra(SocketAttribute.localPort)).toBe(1234);
    expect(buffered.extra(SocketAttribute.family)).toBe("inet");
    expect(() => buffered.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
    expect(buffered.extra(SocketAttribute.remotePort, undefined)).toBeUndefined();
    send.close();
    receive.close();
  });

  it("is async iterable until EndOfStream, buffer first", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
    const buffered = new BufferedByteReceiveStream(receive);
    buffered.feedData(b("0"));
    send.sendNowait(b("12"));
    send.sendNowait(b("345"));
    send.close();
    const chunks: string[] = [];
    for await (const chunk of buffered) chunks.push(new TextDecoder().decode(chunk));
    expect(chunks).toEqual(["0", "12", "345"]);
    receive.close();
  });
});

describe("receiveUntil with a string delimiter", () => {
  it("encodes the delimiter as UTF-8, also across chunk boundaries and for multi-byte characters", async () => {
    const stream = new BufferedByteReceiveStream(new ChunkByteStream([b("+OK\r"), b("\n$5\r\nhé"), b("llo→"), b("rest")]));
    expect(new TextDecoder().decode(await stream.receiveUntil("\r\n", 100))).toBe("+OK");
    expect(new TextDecoder().decode(await stream.receiveUntil("\r\n", 100))).toBe("$5");
    expect(new TextDecoder().decode(await stream.receiveUntil("→", 100))).toBe("héllo");
    expect(new TextDecoder().decode(await stream.receiveExactly(4))).toBe("rest");
  });

  it("an empty string is a RangeError, a non-string non-bytes delimiter a TypeError", async () => {
    const stream = new BufferedByteReceiveStream(new ChunkByteStream([b("abc")]));
    await expect(stream.receiveUntil("", 10)).rejects.toBeInstanceOf(RangeError);
    await expect(stream.receiveUntil(42 as unknown as string, 10)).rejects.toBeInstanceOf(TypeError);
    expect(new TextDecoder().decode(await stream.receiveExactly(3))).toBe("abc");
  });
});
