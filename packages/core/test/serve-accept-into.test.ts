import { describe, expect, it } from "vitest";
import { AcceptQueue, type AcceptInto, serveConnections } from "../src/backend/index.ts";

/** A stand-in for an accepted stream: records its close. */
class Conn {
  closed = false;
  constructor(readonly id: number) {}
  async aclose(): Promise<void> {
    this.closed = true;
  }
  close(): Promise<void> {
    return this.aclose();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/** serve()'s accept-with path over an AcceptQueue, as SocketListener wires a transport's acceptWith. */
function acceptIntoQueue(queue: AcceptQueue<Conn>): AcceptInto<Conn> {
  return (sink, options) => queue.shiftInto(sink, options.signal);
}

const closedError = () => new Error("the listener is closed");
const noPromiseAccept = () => Promise.reject(new Error("serve() must accept through acceptInto here"));

describe("serveConnections with acceptInto", () => {
  it("serves queued and later connections in arrival order, then ends on abort with later ones left queued", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    // More queued connections than a recursive accept could take without a deep stack.
    const queued = Array.from({ length: 20_000 }, (_, i) => new Conn(i));
    for (const conn of queued) queue.push(conn);
    const served: number[] = [];
    const stop = new AbortController();
    const serving = serveConnections(
      noPromiseAccept,
      async (conn: Conn) => {
        served.push(conn.id);
        await Promise.resolve();
      },
      { signal: stop.signal },
      acceptIntoQueue(queue),
    );
    // The queued ones started at once, from the serve() call.
    expect(served).toHaveLength(20_000);
    expect(queue.waiting).toBe(true);
    const later = new Conn(20_000);
    queue.push(later);
    expect(served.at(-1)).toBe(20_000);
    stop.abort(new Error("stop"));
    await serving;
    expect(served).toEqual([...queued.map((conn) => conn.id), 20_000]);
    expect([...queued, later].every((conn) => conn.closed)).toBe(true);
    // Aborted: a connection that comes now waits for the next accept.
    const afterAbort = new Conn(-1);
    queue.push(afterAbort);
    expect(await queue.shift()).toBe(afterAbort);
    expect(afterAbort.closed).toBe(false);
  });

  it("rejects with an accept failure once the running handlers have finished", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const conn = new Conn(1);
    let handlerEnded = false;
    const serving = serveConnections(
      noPromiseAccept,
      async () => {
        await released;
        handlerEnded = true;
      },
      { shutdownGraceMs: Number.POSITIVE_INFINITY },
      acceptIntoQueue(queue),
    );
    queue.push(conn);
    const emfile = new Error("EMFILE");
    queue.fail(emfile);
    let settled = false;
    void serving.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    release();
    await expect(serving).rejects.toBe(emfile);
    expect(handlerEnded).toBe(true);
    expect(conn.closed).toBe(true);
  });

  it("rejects at once with what the first accept throws (a closed queue)", async () => {
    const queue = new AcceptQueue<Conn>({ closedError });
    await queue.close();
    await expect(serveConnections(noPromiseAccept, () => {}, {}, acceptIntoQueue(queue))).rejects.toThrow(
      "the listener is closed",
    );
  });
});
