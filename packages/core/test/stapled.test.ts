// Ported from AnyIO tests/streams/test_stapled.py (each `it` names the AnyIO case), with the same
// dummy streams; plus portio cases over memory object streams (sendNowait delegation, attribute
// merging, cancellation passing through).
import { describe, expect, it } from "vitest";
import type { CallOptions } from "../src/abc/resource.ts";
import type { ByteReceiveStream, ByteSendStream, ObjectReceiveStream, ObjectSendStream } from "../src/abc/streams.ts";
import { ClosedResourceError, EndOfStream, UnsupportedError, WouldBlock } from "../src/errors.ts";
import { SocketAttribute } from "../src/socket-attributes.ts";
import { createMemoryObjectStream } from "../src/streams/memory.ts";
import { StapledByteStream, StapledObjectStream } from "../src/streams/stapled.ts";
import { TypedAttribute, TypedAttributeProvider, mergeAttributes, type TypedAttributeMap } from "../src/typed-attributes.ts";

const enc = new TextEncoder();
const b = (text: string) => enc.encode(text);
const str = (data: Uint8Array) => new TextDecoder().decode(data);

abstract class Dummy extends TypedAttributeProvider {
  closed = false;
  async aclose(): Promise<void> {
    this.closed = true;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.aclose();
  }
}

class DummyByteReceiveStream extends Dummy implements ByteReceiveStream {
  buffer: Uint8Array;
  constructor(data: Uint8Array) {
    super();
    this.buffer = data;
  }
  async receive(maxBytes = 65536): Promise<Uint8Array> {
    if (this.closed) throw new ClosedResourceError();
    // AnyIO's dummy returns b"" when empty; portio streams never resolve an empty chunk.
    if (this.buffer.length === 0) throw new EndOfStream();
    const data = this.buffer.subarray(0, maxBytes);
    this.buffer = this.buffer.subarray(maxBytes);
    return data;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (this.buffer.length > 0) yield await this.receive();
  }
}

class DummyByteSendStream extends Dummy implements ByteSendStream {
  buffer: number[] = [];
  async send(data: Uint8Array): Promise<void> {
    if (this.closed) throw new ClosedResourceError();
    this.buffer.push(...data);
  }
}

class DummyObjectReceiveStream<T> extends Dummy implements ObjectReceiveStream<T> {
  constructor(readonly buffer: T[]) {
    super();
  }
  async receive(): Promise<T> {
    if (this.closed) throw new ClosedResourceError();
    if (this.buffer.length === 0) throw new EndOfStream();
    return this.buffer.shift()!;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (this.buffer.length > 0) yield await this.receive();
  }
}

class DummyObjectSendStream<T> extends Dummy implements ObjectSendStream<T> {
  readonly buffer: T[] = [];
  async send(item: T): Promise<void> {
    if (this.closed) throw new ClosedResourceError();
    this.buffer.push(item);
  }
}

class DummyObjectSendStreamWithSendNowait<T> extends DummyObjectSendStream<T> {
  sendNowait(item: T): void {
    if (this.closed) throw new ClosedResourceError();
    this.buffer.push(item);
  }
}

class DummyObjectSendStreamWithBrokenSendNowait<T> extends DummyObjectSendStream<T> {
  sendNowait(_item: T): void {
    throw new TypeError("no attribute 'nonexistent'");
  }
}

describe("StapledByteStream (AnyIO TestStapledByteStream)", () => {
  const setup = () => {
    const sendStream = new DummyByteSendStream();
    const receiveStream = new DummyByteReceiveStream(b("hello, world"));
    return { sendStream, receiveStream, stapled: new StapledByteStream(sendStream, receiveStream) };
  };

  it("test_receive_send", async () => {
    const { stapled, sendStream } = setup();
    expect(str(await stapled.receive(3))).toBe("hel");
    expect(str(await stapled.receive())).toBe("lo, world");
    await expect(stapled.receive()).rejects.toBeInstanceOf(EndOfStream);

    await stapled.send(b("how are you "));
    await stapled.send(b("today?"));
    expect(stapled.sendStream).toBe(sendStream);
    expect(str(Uint8Array.from(sendStream.buffer))).toBe("how are you today?");
  });

  it("test_send_eof: closes only the send stream, idempotently", async () => {
    const { stapled, receiveStream } = setup();
    await stapled.sendEof();
    await stapled.sendEof();
    await expect(stapled.send(b("world"))).rejects.toBeInstanceOf(ClosedResourceError);
    expect(receiveStream.closed).toBe(false);
    expect(str(await stapled.receive())).toBe("hello, world");
  });

  it("test_aclose: closes both", async () => {
    const { stapled, sendStream, receiveStream } = setup();
    await stapled.aclose();
    expect(sendStream.closed && receiveStream.closed).toBe(true);
    await expect(stapled.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(stapled.send(new Uint8Array(0))).rejects.toBeInstanceOf(ClosedResourceError);
  });

  for (const maxBytes of [0, -1]) {
    it(`test_receive_invalid_max_bytes[${maxBytes}]`, async () => {
      const { stapled, receiveStream } = setup();
      await expect(stapled.receive(maxBytes)).rejects.toThrow(RangeError);
      await expect(stapled.receive(maxBytes)).rejects.toThrow("maxBytes must be a positive integer");
      expect(receiveStream.buffer.length).toBe(12); // nothing was consumed
    });
  }
});

describe("StapledObjectStream (AnyIO TestStapledObjectStream)", () => {
  const setup = () => {
    const receiveStream = new DummyObjectReceiveStream(["hello", "world"]);
    const sendStream = new DummyObjectSendStream<string>();
    return { receiveStream, sendStream, stapled: new StapledObjectStream(sendStream, receiveStream) };
  };

  it("test_receive_send", async () => {
    const { stapled, sendStream } = setup();
    expect(await stapled.receive()).toBe("hello");
    expect(await stapled.receive()).toBe("world");
    await expect(stapled.receive()).rejects.toBeInstanceOf(EndOfStream);

    await stapled.send("how are you ");
    await stapled.send("today?");
    expect(stapled.sendStream).toBe(sendStream);
    expect(sendStream.buffer).toEqual(["how are you ", "today?"]);
  });

  it("test_send_nowait_implemented", () => {
    const sendStream = new DummyObjectSendStreamWithSendNowait<string>();
    const stapled = new StapledObjectStream(sendStream, new DummyObjectReceiveStream(["hello"]));
    stapled.sendNowait("hello");
    expect(sendStream.buffer).toEqual(["hello"]);
  });

  it("test_send_nowait_not_implemented: UnsupportedError naming the send stream", () => {
    const { stapled } = setup();
    expect(() => stapled.sendNowait("hello")).toThrow(UnsupportedError);
    expect(() => stapled.sendNowait("hello")).toThrow("'sendNowait' is not implemented by DummyObjectSendStream");
  });

  it("test_send_nowait_does_not_mask_attribute_error", () => {
    const stapled = new StapledObjectStream(
      new DummyObjectSendStreamWithBrokenSendNowait<string>(),
      new DummyObjectReceiveStream(["hello"]),
    );
    expect(() => stapled.sendNowait("hello")).toThrow(TypeError);
    expect(() => stapled.sendNowait("hello")).toThrow("no attribute 'nonexistent'");
  });

  it("test_send_eof", async () => {
    const { stapled } = setup();
    await stapled.sendEof();
    await stapled.sendEof();
    await expect(stapled.send("world")).rejects.toBeInstanceOf(ClosedResourceError);
    expect(await stapled.receive()).toBe("hello");
    expect(await stapled.receive()).toBe("world");
  });

  it("test_aclose", async () => {
    const { stapled } = setup();
    await stapled.aclose();
    await expect(stapled.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(stapled.send("")).rejects.toBeInstanceOf(ClosedResourceError);
  });
});

describe("stapled streams (portio)", () => {
  it("sendNowait delegates to a memory object send stream, WouldBlock included", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    stapled.sendNowait("a");
    expect(() => stapled.sendNowait("b")).toThrow(WouldBlock);
    expect(await stapled.receive()).toBe("a");
    await stapled.aclose();
    expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });

  it("the signal reaches the wrapped streams", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const stapled = new StapledObjectStream(send, receive);
    const controller = new AbortController();
    const receiving = stapled.receive({ signal: controller.signal });
    const sending = stapled.send("x", { signal: AbortSignal.abort("already") });
    await expect(sending).rejects.toBe("already");
    controller.abort("stop");
    await expect(receiving).rejects.toBe("stop");
    expect(send.statistics().tasksWaitingReceive).toBe(0);
    await stapled.aclose();
  });

  it("a StapledByteStream passes maxBytes and the signal to its receive stream", async () => {
    const seen: Array<[number | undefined, CallOptions | undefined]> = [];
    const receiveStream = new (class extends DummyByteReceiveStream {
      override receive(maxBytes?: number, options?: CallOptions) {
        seen.push([maxBytes, options]);
        return super.receive(maxBytes);
      }
    })(b("abc"));
    const stapled = new StapledByteStream(new DummyByteSendStream(), receiveStream);
    const signal = new AbortController().signal;
    expect(str(await stapled.receive(2, { signal }))).toBe("ab");
    expect(seen).toEqual([[2, { signal }]]);
  });

  it("attributes come from both streams, the receive stream's winning", () => {
    const shared = new TypedAttribute<string>("shared");
    class WithAttributes<T> extends DummyObjectSendStream<T> {
      constructor(private readonly attributes: TypedAttributeMap) {
        super();
      }
      override get extraAttributes(): TypedAttributeMap {
        return this.attributes;
      }
    }
    class ReceiveWithAttributes<T> extends DummyObjectReceiveStream<T> {
      constructor(private readonly attributes: TypedAttributeMap) {
        super([]);
      }
      override get extraAttributes(): TypedAttributeMap {
        return this.attributes;
      }
    }
    const stapled = new StapledObjectStream(
      new WithAttributes<string>(
        mergeAttributes([
          [shared, () => "send"],
          [SocketAttribute.localPort, () => 1],
        ]),
      ),
      new ReceiveWithAttributes<string>(
        mergeAttributes([
          [shared, () => "receive"],
          [SocketAttribute.remotePort, () => 2],
        ]),
      ),
    );
    expect(stapled.extra(shared)).toBe("receive");
    expect(stapled.extra(SocketAttribute.localPort)).toBe(1);
    expect(stapled.extra(SocketAttribute.remotePort)).toBe(2);
    expect(stapled.extra(SocketAttribute.fd, -1)).toBe(-1);
  });

  it("aclose closes the receive stream even if closing the send stream fails", async () => {
    const failing = new (class extends DummyObjectSendStream<string> {
      override async aclose(): Promise<void> {
        throw new Error("send close failed");
      }
    })();
    const receiveStream = new DummyObjectReceiveStream<string>([]);
    await expect(new StapledObjectStream(failing, receiveStream).aclose()).rejects.toThrow("send close failed");
    expect(receiveStream.closed).toBe(true);
  });

  it("is async iterable through the receive stream", async () => {
    const stapled = new StapledObjectStream(new DummyObjectSendStream<number>(), new DummyObjectReceiveStream([1, 2, 3]));
    const items: number[] = [];
    for await (const item of stapled) items.push(item);
    expect(items).toEqual([1, 2, 3]);
  });
});
