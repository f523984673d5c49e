// MultiListener: AnyIO covers it only indirectly (through create_tcp_listener in
// tests/test_sockets.py); these cases check the behaviour docs/design.md asks for: flattening, serving
// every listener concurrently, first failure stopping the rest, closing all, merged attributes.
// The listeners are fakes whose "connections" come from memory object streams.
import type { CallOptions } from "../src/abc/resource.ts";
import { describe, expect, it } from "vitest";
import type { HandlerContext, Listener, ServeOptions } from "../src/abc/streams.ts";
import { MultiListener } from "../src/multi-listener.ts";
import { SocketAttribute } from "../src/socket-attributes.ts";
import { type MemoryObjectSendStream, createMemoryObjectStream } from "../src/streams/memory.ts";
import { StapledObjectStream } from "../src/streams/stapled.ts";
import { TaskGroup } from "../src/task-group.ts";
import { TypedAttributeProvider, mergeAttributes, type TypedAttributeMap } from "../src/typed-attributes.ts";

type Conn = StapledObjectStream<string>;
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A listener whose accepted connections are whatever gets pushed into `connect`. */
class FakeListener extends TypedAttributeProvider implements Listener<Conn> {
  readonly connect: MemoryObjectSendStream<Conn>;
  readonly #incoming;
  closed = 0;
  serving = false;
  /** When set, the next accept fails with it. */
  acceptError: Error | undefined;

  constructor(
    readonly name: string,
    private readonly attributes: TypedAttributeMap = new Map(),
  ) {
    super();
    [this.connect, this.#incoming] = createMemoryObjectStream<Conn>(Infinity);
  }

  override get extraAttributes(): TypedAttributeMap {
    return this.attributes;
  }

  async serve(
    handler: (stream: Conn, context: HandlerContext) => void | Promise<void>,
    options: ServeOptions<Conn> = {},
  ): Promise<void> {
    this.serving = true;
    const group = new TaskGroup(options.signal ? { signal: options.signal } : {});
    try {
      for (;;) {
        let stream: Conn;
        try {
          if (this.acceptError) throw this.acceptError;
          stream = await this.#incoming.receive({ signal: group.signal });
        } catch (error) {
          if (group.signal.aborted) break;
          group.cancel(error);
          throw error;
        }
        group.start(async (signal) => {
          try {
            await handler(stream, { signal });
          } catch (error) {
            await (options.onError ?? console.error)(error, stream);
          } finally {
            await stream.aclose();
          }
        });
      }
    } finally {
      this.serving = false;
      await group.wait().catch(() => {});
    }
  }

  accept(options?: CallOptions): Promise<Conn> {
    return this.#incoming.receive(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<Conn> {
    return { next: async () => ({ value: await this.accept(), done: false }) };
  }

  async aclose(): Promise<void> {
    this.closed++;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.aclose();
  }
}

/** A connection whose peer end we keep: what the handler sends arrives in `fromHandler`. */
function connection() {
  const [toHandler, handlerReceives] = createMemoryObjectStream<string>(10);
  const [handlerSends, fromHandler] = createMemoryObjectStream<string>(10);
  return { conn: new StapledObjectStream(handlerSends, handlerReceives), toHandler, fromHandler };
}

describe("MultiListener", () => {
  it("flattens nested MultiListeners, which give up their listeners", () => {
    const [a, b, c] = [new FakeListener("a"), new FakeListener("b"), new FakeListener("c")];
    const inner = new MultiListener([a, b]);
    const outer = new MultiListener<Conn>([inner, c]);
    expect(outer.listeners).toEqual([a, b, c]);
    expect(inner.listeners).toEqual([]);
    // the getter hands out a copy
    (outer.listeners as Listener<Conn>[]).pop();
    expect(outer.listeners).toHaveLength(3);
  });

  it("serves every listener concurrently; aborting stops all and resolves", async () => {
    const a = new FakeListener("a");
    const b = new FakeListener("b");
    const multi = new MultiListener([a, b]);
    const controller = new AbortController();
    const handlerSignals: AbortSignal[] = [];
    const serving = multi.serve(
      async (stream, { signal }) => {
        handlerSignals.push(signal);
        const greeting = await stream.receive();
        await stream.send(`echo ${greeting}`);
        // stay connected until serving stops
        if (!signal.aborted) {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        }
      },
      { signal: controller.signal },
    );
    await settle();
    expect(a.serving && b.serving).toBe(true);

    const one = connection();
    const two = connection();
    a.connect.sendNowait(one.conn);
    b.connect.sendNowait(two.conn);
    one.toHandler.sendNowait("from a");
    two.toHandler.sendNowait("from b");
    expect(await one.fromHandler.receive()).toBe("echo from a");
    expect(await two.fromHandler.receive()).toBe("echo from b");

    controller.abort();
    await expect(serving).resolves.toBeUndefined();
    expect(a.serving || b.serving).toBe(false);
    expect(handlerSignals).toHaveLength(2);
    expect(handlerSignals.every((signal) => signal.aborted)).toBe(true);
    // handlers settled, so their streams were closed by serve
    expect(one.toHandler.statistics().openReceiveStreams).toBe(0);
    expect(two.toHandler.statistics().openReceiveStreams).toBe(0);
    // serve never closes the listeners
    expect(a.closed + b.closed).toBe(0);
  });

  it("the first listener to fail stops the others, and serve rejects with its error", async () => {
    const a = new FakeListener("a");
    const b = new FakeListener("b");
    const multi = new MultiListener([a, b]);
    const serving = multi.serve(() => {});
    await settle();
    const failure = new Error("accept failed");
    b.acceptError = failure;
    b.connect.sendNowait(connection().conn); // wakes b's accept loop, which then fails
    await expect(serving).rejects.toBe(failure);
    expect(a.serving).toBe(false);
  });

  it("passes onError through to each listener", async () => {
    const a = new FakeListener("a");
    const multi = new MultiListener([a]);
    const controller = new AbortController();
    const errors: unknown[] = [];
    const boom = new Error("handler failed");
    const serving = multi.serve(
      () => {
        throw boom;
      },
      { signal: controller.signal, onError: (error) => void errors.push(error) },
    );
    a.connect.sendNowait(connection().conn);
    await settle();
    await settle();
    expect(errors).toEqual([boom]);
    controller.abort();
    await serving;
  });

  it("an already-aborted signal resolves at once", async () => {
    const a = new FakeListener("a");
    await expect(new MultiListener([a]).serve(() => {}, { signal: AbortSignal.abort() })).resolves.toBeUndefined();
  });

  it("aclose closes every listener, even when one fails", async () => {
    const a = new FakeListener("a");
    const b = new (class extends FakeListener {
      override async aclose(): Promise<void> {
        this.closed++;
        throw new Error("close failed");
      }
    })("b");
    const c = new FakeListener("c");
    const multi = new MultiListener<Conn>([a, new MultiListener([b, c])]);
    await expect(multi.aclose()).rejects.toThrow("close failed");
    expect([a.closed, b.closed, c.closed]).toEqual([1, 1, 1]);
  });

  it("await using closes every listener", async () => {
    const a = new FakeListener("a");
    const b = new FakeListener("b");
    {
      await using _ = new MultiListener([a, b]);
    }
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  it("merges its listeners' attributes, so localPort gives the shared port", () => {
    const v4 = new FakeListener(
      "v4",
      mergeAttributes([
        [SocketAttribute.localPort, () => 8080],
        [SocketAttribute.family, () => "inet"],
        [SocketAttribute.localAddress, () => ["0.0.0.0", 8080]],
      ]),
    );
    const v6 = new FakeListener(
      "v6",
      mergeAttributes([
        [SocketAttribute.localPort, () => 8080],
        [SocketAttribute.family, () => "inet6"],
      ]),
    );
    const multi = new MultiListener([v4, v6]);
    expect(multi).toBeInstanceOf(TypedAttributeProvider);
    expect(multi.extra(SocketAttribute.localPort)).toBe(8080);
    expect(multi.extra(SocketAttribute.family)).toBe("inet6"); // later listeners win
    expect(multi.extra(SocketAttribute.localAddress)).toEqual(["0.0.0.0", 8080]);
    expect(multi.extra(SocketAttribute.fd, null)).toBeNull();
  });
});

describe("MultiListener.accept and for await", () => {
  it("yields the connections of every listener, losing none of those that arrive together", async () => {
    const [a, b] = [new FakeListener("a"), new FakeListener("b")];
    const multi = new MultiListener<Conn>([a, b]);
    const conns = Array.from({ length: 6 }, () => connection().conn);
    // Both listeners have connections waiting at once: each accept() races them.
    for (const [index, conn] of conns.entries()) await (index % 2 === 0 ? a : b).connect.send(conn);
    const seen: Conn[] = [];
    for await (const conn of multi) {
      seen.push(conn);
      if (seen.length === conns.length) break;
    }
    expect(new Set(seen)).toEqual(new Set(conns));
  });

  it("a listener without accept() is a TypeError", async () => {
    const odd = {
      serve: async () => {},
      aclose: async () => {},
      extraAttributes: new Map(),
      extra: () => undefined,
    } as unknown as Listener<Conn>;
    await expect(new MultiListener<Conn>([odd]).accept()).rejects.toBeInstanceOf(TypeError);
  });
});
