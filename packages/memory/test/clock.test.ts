/**
 * The manual clock: a 30-second timeout runs in milliseconds, and timers fire in order with the
 * promise chains they start settled in between. The real clock is the default.
 */
import { SocketAttribute, connectTcp, createTcpListener, type SocketListener, type SocketStream } from "@portio/core";
import { describe, expect, it } from "vitest";
import { createMemoryNetwork } from "../src/index.ts";
import { rejection, track, useNetwork } from "./helpers.ts";

describe("manual clock", () => {
  it("a receive with a 30-second timeout ends with TimeoutError after advance(30_000), not after 30 s", async () => {
    const network = useNetwork({ clock: "manual" });
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    const [client, server] = await Promise.all([
      connectTcp("127.0.0.1", multi.extra(SocketAttribute.localPort)),
      (multi.listeners[0] as SocketListener<SocketStream>).accept(),
    ]);
    const receiving = track(client.receive(65_536, { signal: network.clock.timeout(30_000) }));
    await network.clock.advance(29_999);
    expect(receiving.settled).toBe(false);
    await network.clock.advance(1);
    const error = await rejection(receiving.promise);
    expect((error as DOMException).name).toBe("TimeoutError");
    expect(network.clock.now()).toBe(30_000);
    // The stream is still usable afterwards: a timed-out receive loses nothing.
    await server.send(new Uint8Array([42]));
    expect(await client.receive()).toEqual(new Uint8Array([42]));
    await Promise.all([client.aclose(), server.aclose(), multi.aclose()]);
  });

  it("timers fire in due order, each chain settling before the next timer", async () => {
    const { clock } = createMemoryNetwork({ clock: "manual" });
    const events: string[] = [];
    void clock.sleep(20).then(() => events.push("b@20"));
    void clock.sleep(10).then(async () => {
      events.push("a@10");
      await clock.sleep(5);
      events.push("a2@15");
    });
    clock.schedule(20, () => events.push("c@20"));
    await clock.advance(25);
    expect(events).toEqual(["a@10", "a2@15", "b@20", "c@20"]);
  });

  it("sleep() rejects with the signal's reason on abort, and its timer is gone", async () => {
    const { clock } = createMemoryNetwork({ clock: "manual" });
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    await clock.advance(2_000);
  });

  it("the real clock is the default, and advance() on it says to use a manual clock", async () => {
    const { clock } = createMemoryNetwork();
    expect(clock.manual).toBe(false);
    await expect(clock.advance(1)).rejects.toThrow('createMemoryNetwork({ clock: "manual" })');
    // Its timeout signal is the runtime's own.
    const signal = clock.timeout(1);
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    expect((signal.reason as DOMException).name).toBe("TimeoutError");
  });
});
