// Ported from AnyIO tests/streams/test_text.py (each `it` names the AnyIO case), plus portio
// cases: multi-byte characters split across chunks, end-of-stream flushing, aborts that lose
// nothing, attribute pass-through. AnyIO's `errors="replace"` is `fatal: false` here.
import { describe, expect, it } from "vitest";
import { ClosedResourceError, EndOfStream } from "../src/errors.ts";
import { SocketAttribute } from "../src/socket-attributes.ts";
import { createMemoryObjectStream } from "../src/streams/memory.ts";
import { StapledObjectStream } from "../src/streams/stapled.ts";
import { TextReceiveStream, TextSendStream, TextStream } from "../src/streams/text.ts";
import { mergeAttributes, type TypedAttributeMap } from "../src/typed-attributes.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("text streams (AnyIO test_text.py)", () => {
  it("test_receive: a character split across chunks comes out whole", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await send.send(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3)); // ends with half of "ö"
    expect(await text.receive()).toBe("åä");
    await send.send(bytes(0xb6)); // the missing byte of "ö"
    expect(await text.receive()).toBe("ö");
    send.close();
    receive.close();
  });

  it("test_send", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextSendStream(send);
    await text.send("åäö");
    expect(await receive.receive()).toEqual(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
    send.close();
    receive.close();
  });

  it("test_receive_encoding_error: fatal:false replaces bad bytes with U+FFFD", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive, { fatal: false });
    await send.send(bytes(0xe5, 0xe4, 0xf6)); // "åäö" in latin-1
    expect(await text.receive()).toBe("\uFFFD\uFFFD\uFFFD");
    send.close();
    receive.close();
  });

  it("test_receive_encoding_error (strict, the default): bad bytes are a TypeError", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await send.send(bytes(0xe5, 0xe4, 0xf6));
    await expect(text.receive()).rejects.toBeInstanceOf(TypeError);
    send.close();
    receive.close();
  });

  it("test_send_encoding_error: only UTF-8 can be encoded, so other encodings fail at construction", () => {
    // AnyIO encodes "€" to iso-8859-1 with errors="replace"; TextEncoder only does UTF-8.
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextSendStream(send, { encoding: "iso-8859-1" })).toThrow(RangeError);
    expect(() => new TextStream(new StapledObjectStream(send, receive), { encoding: "latin1" })).toThrow(RangeError);
    expect(() => new TextSendStream(send, { encoding: "no-such-encoding" })).toThrow(RangeError);
    // labels of UTF-8 are fine
    expect(new TextSendStream(send, { encoding: "UTF8" })).toBeInstanceOf(TextSendStream);
    send.close();
    receive.close();
  });

  it("test_send_encoding_error (what UTF-8 cannot encode): a lone surrogate", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    await expect(new TextSendStream(send).send("a\uD800b")).rejects.toBeInstanceOf(TypeError);
    expect(send.statistics().currentBufferUsed).toBe(0);
    await new TextSendStream(send, { fatal: false }).send("a\uD800b");
    expect(await receive.receive()).toEqual(bytes(0x61, 0xef, 0xbf, 0xbd, 0x62));
    // a proper surrogate pair is not an error
    await new TextSendStream(send).send("😀");
    expect(await receive.receive()).toEqual(bytes(0xf0, 0x9f, 0x98, 0x80));
    send.close();
    receive.close();
  });

  it("test_bidirectional_stream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await text.send("åäö");
    expect(await receive.receive()).toEqual(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
    await send.send(bytes(0xc3, 0xa6, 0xc3, 0xb8));
    expect(await text.receive()).toBe("æø");
    expect(text.extraAttributes.size).toBe(0);
    send.close();
    receive.close();
  });

  it("test_text_connectable: a freshly connected stream wrapped (portio has no Connectable)", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const connect = async () => new TextStream(new StapledObjectStream(send, receive));
    {
      await using stream = await connect();
      expect(stream).toBeInstanceOf(TextStream);
      await stream.send("hello");
      expect(await stream.receive()).toBe("hello");
    }
    expect(send.statistics().openSendStreams).toBe(0);
    expect(send.statistics().openReceiveStreams).toBe(0);
  });
});

describe("text streams (portio)", () => {
  it("a 4-byte character split over three chunks; receive waits until there is text", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
    const text = new TextReceiveStream(receive);
    send.sendNowait(bytes(0xf0));
    send.sendNowait(bytes(0x9f, 0x98));
    send.sendNowait(bytes(0x80, 0x21));
    expect(await text.receive()).toBe("😀!");
    send.close();
    receive.close();
  });

  it("other encodings decode", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive, { encoding: "iso-8859-1" });
    await send.send(bytes(0xe5, 0xe4, 0xf6));
    expect(await text.receive()).toBe("åäö");
    send.close();
    receive.close();
  });

  it("a byte order mark is kept, as Python's utf-8 codec does", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await send.send(bytes(0xef, 0xbb, 0xbf, 0x41));
    expect(await text.receive()).toBe("\uFEFFA");
    send.close();
    receive.close();
  });

  it("end of stream: EndOfStream, after returning all text", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const text = new TextReceiveStream(receive);
    send.sendNowait(new TextEncoder().encode("bye"));
    send.close();
    expect(await text.receive()).toBe("bye");
    await expect(text.receive()).rejects.toBeInstanceOf(EndOfStream);
    await expect(text.receive()).rejects.toBeInstanceOf(EndOfStream);
    receive.close();
  });

  it("end of stream in the middle of a character: TypeError (fatal) or U+FFFD", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const strict = new TextReceiveStream(receive);
    send.sendNowait(bytes(0x61, 0xc3));
    send.close();
    expect(await strict.receive()).toBe("a");
    await expect(strict.receive()).rejects.toBeInstanceOf(TypeError);
    receive.close();

    const [send2, receive2] = createMemoryObjectStream<Uint8Array>(2);
    const lenient = new TextReceiveStream(receive2, { fatal: false });
    send2.sendNowait(bytes(0x61, 0xc3));
    send2.close();
    expect(await lenient.receive()).toBe("a");
    expect(await lenient.receive()).toBe("\uFFFD");
    await expect(lenient.receive()).rejects.toBeInstanceOf(EndOfStream);
    receive2.close();
  });

  it("an aborted receive loses nothing, not even half a character", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    const controller = new AbortController();
    const pending = text.receive({ signal: controller.signal });
    await settle();
    controller.abort();
    await expect(pending).rejects.toBe(controller.signal.reason);
    send.sendNowait(bytes(0x78, 0xc3)); // taken by the abandoned transport receive
    expect(send.statistics().currentBufferUsed).toBe(0);
    send.sendNowait(bytes(0xb6));
    expect(await text.receive()).toBe("x");
    expect(await text.receive()).toBe("ö");
    send.close();
    receive.close();
  });

  it("is async iterable until EndOfStream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await text.send("one ");
    await text.send("two");
    await text.sendEof();
    let all = "";
    for await (const piece of text) all += piece;
    expect(all).toBe("one two");
    await text.aclose();
  });

  it("sendEof half-closes the transport; aclose closes it; receive after aclose is ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await text.sendEof();
    expect(send.statistics().openSendStreams).toBe(0);
    await expect(text.send("late")).rejects.toBeInstanceOf(ClosedResourceError);
    await text.aclose();
    expect(receive.statistics().openReceiveStreams).toBe(0);
    await expect(text.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await text.aclose();
  });

  it("passes the transport's attributes through", () => {
    class AttributedStream extends StapledObjectStream<Uint8Array> {
      override get extraAttributes(): TypedAttributeMap {
        return mergeAttributes(super.extraAttributes, [[SocketAttribute.remotePort, () => 4321]]);
      }
    }
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const attributed = new AttributedStream(send, receive);
    expect(new TextReceiveStream(attributed).extra(SocketAttribute.remotePort)).toBe(4321);
    expect(new TextSendStream(attributed).extra(SocketAttribute.remotePort)).toBe(4321);
    expect(new TextStream(attributed).extra(SocketAttribute.remotePort)).toBe(4321);
    expect(new TextStream(attributed).extra(SocketAttribute.localPort, null)).toBeNull();
    send.close();
    receive.close();
  });
});
