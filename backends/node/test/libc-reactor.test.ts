// The libc-socket reactor over the koffi binder: one poll for all waiters, wake-ups, abort,
// notifyClosing, and a process that exits by itself when nothing is waited on.
import { execFile } from "node:child_process";
import { lookup } from "node:dns/promises";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClosedResourceError } from "@portio/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LibcBinder } from "@portio/libc-socket";
import { LibcSocket, Reactor, getReactor, libcStreamSocketpair } from "@portio/libc-socket";
import { createKoffiBinder } from "../src/libc-binder.ts";

const fdCount = (): number => readdirSync("/proc/self/fd").length;
const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * A binder that counts outstanding pollAsync calls, wake-up fds made and recv calls (and those
 * that found nothing), with its own reactor. Without `watch` (the default), its reactor takes
 * the thread-pool path that the Bun and Deno binders take; with `{ watch: true }`, Node's own:
 * watchers on the event loop.
 */
function countingBinder({ watch = false } = {}): LibcBinder & {
  outstanding: number;
  maxOutstanding: number;
  eventfds: number;
  recvs: number;
  emptyRecvs: number;
} {
  const inner = createKoffiBinder();
  const counting = {
    ...inner,
    outstanding: 0,
    maxOutstanding: 0,
    eventfds: 0,
    recvs: 0,
    emptyRecvs: 0,
    recv(fd: number, buf: Uint8Array, len: number, flags: number): number {
      const n = inner.recv(fd, buf, len, flags);
      counting.recvs++;
      if (n === -1) counting.emptyRecvs++; // errno stays the call's: no FFI call in between
      return n;
    },
    eventfd(initval: number, flags: number): number {
      counting.eventfds++;
      return inner.eventfd!(initval, flags);
    },
    pollAsync(pollfds: Uint8Array, nfds: number, timeoutMs: number): Promise<number> {
      counting.outstanding++;
      counting.maxOutstanding = Math.max(counting.maxOutstanding, counting.outstanding);
      return inner.pollAsync(pollfds, nfds, timeoutMs).finally(() => counting.outstanding--);
    },
  };
  if (!watch) delete counting.watch;
  return counting;
}

/** Lets the event loop turn (I/O callbacks included) until `condition` holds; bounded. */
async function turnsUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

let fdsBefore: number;
beforeAll(() => {
  createKoffiBinder().errno(); // load koffi before counting fds
  fdsBefore = fdCount();
});
afterAll(() => {
  expect(fdCount()).toBe(fdsBefore);
});

describe("reactor", () => {
  it("serves many concurrent waiters with one poll outstanding, growing the set by wake-ups", async () => {
    const binder = countingBinder();
    const reactor = getReactor(binder);
    expect(getReactor(binder)).toBe(reactor); // one per binder
    const pairs = Array.from({ length: 64 }, () => LibcSocket.socketpair(binder, "dgram"));
    const first = pairs.slice(0, 32).map(([, b]) => b.recv());
    await turnsUntil(() => reactor.stats.polling, "first poll issued");
    expect(reactor.stats).toMatchObject({ fds: 32, polling: true, pollsIssued: 1 });
    // more waiters while the poll is pending: it must be woken and re-issued with all 64 fds
    const second = pairs.slice(32).map(([, b]) => b.recv());
    await turnsUntil(() => reactor.stats.pollsIssued >= 2 && reactor.stats.polling, "poll re-issued");
    expect(reactor.stats.fds).toBe(64);
    expect(reactor.stats.wakeups).toBeGreaterThanOrEqual(1);
    for (let i = pairs.length - 1; i >= 0; i--) await pairs[i]![0].send(new Uint8Array([i]));
    const received = await Promise.all([...first, ...second]);
    expect(received.map((data) => data[0])).toEqual(pairs.map((_, i) => i));
    expect(binder.maxOutstanding).toBe(1);
    await Promise.all(pairs.flat().map((s) => s.close()));
    await reactor.whenIdle();
    expect(reactor.stats).toMatchObject({ polling: false, fds: 0, wakeFd: -1 });
    expect(binder.outstanding).toBe(0);
  });

  it("does not starve libuv's thread pool: fs and dns work while 100 sockets wait", async () => {
    const binder = countingBinder();
    const pairs = Array.from({ length: 100 }, () => LibcSocket.socketpair(binder, "dgram"));
    const waits = pairs.map(([, b]) => b.recv().catch((e: unknown) => e));
    await turnsUntil(() => getReactor(binder).stats.polling, "poll issued");
    // 4 pool threads by default: a poll per socket would leave none for these
    const self = fileURLToPath(import.meta.url);
    const results = await Promise.all([...Array.from({ length: 8 }, () => readFile(self, "utf8")), lookup("localhost")]);
    expect(results).toHaveLength(9);
    expect(binder.maxOutstanding).toBe(1);
    await Promise.all(pairs.flat().map((s) => s.close()));
    for (const outcome of await Promise.all(waits)) expect(outcome).toBeInstanceOf(ClosedResourceError);
    await getReactor(binder).whenIdle();
  });

  it("an aborted wait is removed and the poll dropped, so the reactor goes idle", async () => {
    const binder = countingBinder();
    const reactor = getReactor(binder);
    const [a, b] = LibcSocket.socketpair(binder, "dgram");
    const controller = new AbortController();
    const wait = reactor.waitReadable(b.fd, { signal: controller.signal });
    await turnsUntil(() => reactor.stats.polling, "poll issued");
    const reason = new Error("enough");
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    await reactor.whenIdle();
    expect(reactor.stats).toMatchObject({ polling: false, fds: 0, wakeFd: -1 });
    expect(binder.outstanding).toBe(0);
    // an already aborted signal rejects at once without touching the poll set
    await expect(reactor.waitWritable(a.fd, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(reactor.stats.fds).toBe(0);
    await a.close();
    await b.close();
  });

  it("notifyClosing wakes a waiter with ClosedResourceError and resolves once the poll let go", async () => {
    const binder = countingBinder();
    const reactor = getReactor(binder);
    const [a, b] = LibcSocket.socketpair(binder, "dgram");
    const [c, d] = LibcSocket.socketpair(binder, "dgram");
    const doomed = reactor.waitReadable(b.fd);
    const survivor = d.recv();
    await turnsUntil(() => reactor.stats.polling, "poll issued");
    const closing = reactor.notifyClosing(b.fd);
    await expect(doomed).rejects.toBeInstanceOf(ClosedResourceError);
    const issuedBefore = reactor.stats.pollsIssued;
    await closing;
    // the poll that watched b.fd has returned; the survivor is polled again without it
    expect(binder.outstanding).toBe(0);
    await turnsUntil(() => reactor.stats.pollsIssued > issuedBefore && reactor.stats.polling, "re-issued");
    expect(reactor.stats.fds).toBe(1);
    await c.send(new Uint8Array([42]));
    expect(await survivor).toEqual(new Uint8Array([42]));
    // nothing pending on an fd: resolves at once
    await reactor.notifyClosing(a.fd);
    for (const s of [a, b, c, d]) await s.close();
    await reactor.whenIdle();
  });

  it("keeps its wake-up fd for a socket that goes back to waiting at once, and closes it when idle", async () => {
    const binder = countingBinder();
    const reactor = getReactor(binder);
    const [a, b] = LibcSocket.socketpair(binder, "dgram");
    for (let i = 0; i < 20; i++) {
      const received = b.recv();
      await turnsUntil(() => reactor.stats.polling, "poll issued");
      setImmediate(() => void a.send(new Uint8Array([i])));
      expect((await received)[0]).toBe(i);
      // more microtask turns than the reactor waits before it finds nothing to poll and idles
      for (let turn = 0; turn < 50; turn++) await null;
    }
    // each next wait came within the lingering event-loop turn: one eventfd served all 20 polls
    expect(binder.eventfds).toBe(1);
    await a.close();
    await b.close();
    await reactor.whenIdle();
    expect(reactor.stats).toMatchObject({ polling: false, fds: 0, wakeFd: -1 });
  });

  // Fairness both ways: with the binder's setImmediate turn, and with a binder that has none
  // (a zero-timeout pollAsync turns the loop then).
  describe.each([
    { turns: "the binder's nextTurn", binder: () => countingBinder() },
    { turns: "zero-timeout polls", binder: () => ({ ...countingBinder(), nextTurn: undefined }) },
    { turns: "event-loop watchers", binder: () => countingBinder({ watch: true }) },
  ])("event-loop turns through $turns", ({ binder: makeBinder }) => {
    it("a receive loop that never has to wait still lets the event loop turn", async () => {
      const binder = makeBinder();
      const [a, b] = LibcSocket.socketpair(binder, "stream");
      await a.sendAll(new Uint8Array(4096));
      let received = 0;
      let immediateAt = -1;
      setImmediate(() => (immediateAt = received));
      // every recv(1) finds a byte at once: without a yield budget this is a pure microtask chain
      while (received < 4096) received += (await b.recv(1)).length;
      expect(immediateAt).toBeGreaterThanOrEqual(0);
      expect(immediateAt).toBeLessThan(4096);
      await a.close();
      await b.close();
      await getReactor(binder).whenIdle();
    });

    it("an in-process ping-pong served by synchronous polls still lets the event loop turn", async () => {
      const binder = makeBinder();
      const reactor = getReactor(binder);
      const [a, b] = LibcSocket.socketpair(binder, "dgram");
      const echo = (async () => {
        for (;;) {
          const data = await b.recv().catch(() => undefined);
          if (data === undefined) return;
          await b.send(data);
        }
      })();
      let rounds = 0;
      let immediateAt = -1;
      setImmediate(() => (immediateAt = rounds));
      for (; rounds < 1000; rounds++) {
        await a.send(new Uint8Array(16));
        await a.recv();
      }
      expect(reactor.stats.syncPolls).toBeGreaterThan(0); // ready fds found without a thread hop
      expect(immediateAt).toBeGreaterThanOrEqual(0);
      expect(immediateAt).toBeLessThan(1000);
      await a.close();
      await b.close();
      await echo;
      await reactor.whenIdle();
    });
  });

  it("a stream read skips the recv that would find nothing after one did, and tries first again once data is ahead", async () => {
    const binder = countingBinder();
    const reactor = getReactor(binder);
    const [a, b] = libcStreamSocketpair(binder);
    const echo = (async () => {
      for (;;) {
        const data = await b.read(65536).catch(() => null);
        if (data === null) return;
        await b.write(data);
      }
    })();
    const message = new Uint8Array(64).fill(5);
    const pingPong = async (rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++) {
        await a.write(message);
        let got = 0;
        while (got < message.length) got += (await a.read(message.length - got))!.length;
      }
    };
    await pingPong(10);
    const [recvs, empty] = [binder.recvs, binder.emptyRecvs];
    await pingPong(200);
    // One recv per side and round trip, none of them in vain: the reactor's poll (one per
    // side and round trip, as before) finds the data; trying recv first would add two EAGAINs.
    expect(binder.emptyRecvs - empty).toBe(0);
    expect(binder.recvs - recvs).toBe(400);
    await a.shutdownWrite();
    await echo;

    // Data that is there before it is asked for: after the first wait that found it at once,
    // reads take it without waiting.
    const [c, d] = libcStreamSocketpair(binder);
    const first = d.read(64); // finds nothing: the next read waits first
    await turnsUntil(() => reactor.stats.polling, "a poll outstanding for the first read");
    await c.write(new Uint8Array(640).map((_, i) => i >> 6));
    expect((await first)![0]).toBe(0);
    const polls = reactor.pollCount;
    for (let i = 1; i < 10; i++) expect((await d.read(64))![0]).toBe(i);
    expect(reactor.pollCount - polls).toBeLessThanOrEqual(2);
    for (const transport of [a, b, c, d]) await transport.close(0);
    await reactor.whenIdle();
  });

  it("a stream's pending read rejects as soon as close() starts, while a pending write still flushes", async () => {
    const binder = countingBinder();
    const [a, b] = libcStreamSocketpair(binder);
    const size = 8 * 2 ** 20; // more than the socket buffers hold: the write waits for room
    const writing = a.write(new Uint8Array(size).fill(9));
    const reading = a.read(64).then(
      () => "data",
      (error: unknown) => error,
    );
    const closing = a.close(60_000); // waits for the write, which waits for b to read
    expect(await Promise.race([reading, closing.then(() => "closed first")])).toBeInstanceOf(ClosedResourceError);
    let received = 0;
    for (let chunk = await b.read(65536); chunk !== null; chunk = await b.read(65536)) received += chunk.length;
    await writing;
    await closing;
    expect(received).toBe(size); // nothing of the flushed write lost
    await b.close(0);
    await getReactor(binder).whenIdle();
  });

  it("waitWritable resolves for a socket with room", async () => {
    const reactor = new Reactor(createKoffiBinder());
    const [a, b] = LibcSocket.socketpair(createKoffiBinder(), "stream");
    await reactor.waitWritable(a.fd);
    await reactor.whenIdle();
    await a.close();
    await b.close();
  });
});

describe("reactor on the event loop (the koffi binder's watch: libuv's uv_poll)", () => {
  it("waits through watchers: no pollAsync, no thread, every waiter served", async () => {
    const binder = countingBinder({ watch: true });
    const reactor = getReactor(binder);
    const pairs = Array.from({ length: 64 }, () => LibcSocket.socketpair(binder, "dgram"));
    const waits = pairs.map(([, b]) => b.recv());
    await turnsUntil(() => reactor.stats.watchers === 64, "64 watchers armed");
    expect(reactor.stats).toMatchObject({ fds: 64, polling: false, pollsIssued: 0, wakeFd: -1 });
    // sent from a timer, so that the waits are served by the event loop, not a synchronous poll
    setTimeout(() => {
      for (let i = pairs.length - 1; i >= 0; i--) void pairs[i]![0].send(new Uint8Array([i]));
    }, 1);
    const received = await Promise.all(waits);
    expect(received.map((data) => data[0])).toEqual(pairs.map((_, i) => i));
    expect(reactor.stats.watchEvents).toBeGreaterThanOrEqual(1);
    expect(binder.maxOutstanding).toBe(0);
    expect(binder.eventfds).toBe(0);
    await Promise.all(pairs.flat().map((s) => s.close()));
    await reactor.whenIdle();
    expect(reactor.stats).toMatchObject({ fds: 0, watchers: 0, pollsIssued: 0 });
  });

  it("a socket's watcher outlives its wait; close() closes it first, so a new fd with the same number is watched afresh", async () => {
    const binder = countingBinder({ watch: true });
    const reactor = getReactor(binder);
    for (let round = 0; round < 3; round++) {
      const [a, b] = LibcSocket.socketpair(binder, "stream");
      for (let i = 0; i < 5; i++) {
        const received = b.recv();
        await turnsUntil(() => reactor.stats.watchers === 1 && reactor.stats.fds === 1, "b's watcher armed");
        setTimeout(() => void a.send(new Uint8Array([i])), 1);
        expect((await received)[0]).toBe(i);
        // kept between waits (owned by a LibcSocket), but no longer keeping the process alive
        expect(reactor.stats.watchers).toBe(1);
      }
      await a.close();
      await b.close();
      expect(reactor.stats.watchers).toBe(0);
    }
    await reactor.whenIdle();
  });

  it("the watcher of an fd the reactor does not own is closed as soon as its wait is over", async () => {
    const koffiBinder = countingBinder({ watch: true });
    const reactor = new Reactor(koffiBinder);
    // The sockets belong to another binder's reactor: to this one, their fds are foreign.
    const [a, b] = LibcSocket.socketpair(createKoffiBinder(), "stream");
    const readable = reactor.waitReadable(b.fd);
    await turnsUntil(() => reactor.stats.watchers === 1, "watcher armed");
    setTimeout(() => void a.send(new Uint8Array([1])), 1);
    await readable;
    expect(reactor.stats.watchers).toBe(0);
    // aborted: closed too
    const controller = new AbortController();
    const aborted = reactor.waitWritable(a.fd, { signal: controller.signal });
    controller.abort(new Error("enough"));
    await expect(aborted).rejects.toThrow("enough");
    await reactor.whenIdle();
    expect(reactor.stats.watchers).toBe(0);
    await a.close();
    await b.close();
  });

  it("a peer's hang-up wakes a waiting reader, which then reads end of stream", async () => {
    const binder = countingBinder({ watch: true });
    const [a, b] = libcStreamSocketpair(binder);
    const reading = b.read(64);
    await turnsUntil(() => getReactor(binder).stats.watchers === 1, "watcher armed");
    setTimeout(() => void a.close(0), 1);
    expect(await reading).toBeNull();
    await b.close(0);
    await getReactor(binder).whenIdle();
  });
});

describe("process lifetime", () => {
  let dir: string;
  let childScript: (body: string) => Promise<string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "portio-libc-child-"));
    // Bundle the TypeScript sources into a plain script a child `node` can run (Node 20 has no
    // type stripping); koffi stays external and resolves through NODE_PATH. esbuild's CLI rather
    // than its API, whose service process would hold fds in this process past the leak check.
    const esbuildPackage = createRequire(createRequire(import.meta.url).resolve("tsup", { paths: [root] })).resolve(
      "esbuild/package.json",
    );
    const esbuild = join(esbuildPackage, "../bin/esbuild");
    childScript = async (body: string): Promise<string> => {
      const entry = join(dir, `entry-${Math.random().toString(36).slice(2)}.ts`);
      writeFileSync(
        entry,
        [
          `import { LibcSocket, getReactor } from ${JSON.stringify(join(root, "packages/libc-socket/src/index.ts"))};`,
          `import { getKoffiBinder } from ${JSON.stringify(join(root, "backends/node/src/libc-binder.ts"))};`,
          `const binder = getKoffiBinder();`,
          body,
        ].join("\n"),
      );
      const outfile = entry.replace(/\.ts$/, ".mjs");
      await new Promise<void>((resolve, reject) => {
        execFile(
          esbuild,
          [
            entry,
            `--outfile=${outfile}`,
            "--bundle",
            "--format=esm",
            "--platform=node",
            "--external:koffi",
            `--alias:@portio/core/backend=${join(root, "packages/core/src/backend/index.ts")}`,
            `--alias:@portio/core=${join(root, "packages/core/src/index.ts")}`,
            "--log-level=error",
          ],
          { timeout: 30_000 },
          (error) => (error ? reject(error) : resolve()),
        );
      });
      return outfile;
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, timeout: number) =>
    new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [script],
        {
          timeout,
          env: { ...process.env, NODE_PATH: join(root, "backends/node/node_modules") },
        },
        (error, stdout, stderr) => {
          resolve({
            code: error ? (typeof error.code === "number" ? error.code : null) : 0,
            signal: error?.signal ?? null,
            stdout,
            stderr,
          });
        },
      );
    });

  it("a child that used the reactor and closed its sockets exits by itself", async () => {
    const script = await childScript(`
      const [a, b] = LibcSocket.socketpair(binder, "dgram");
      const received = b.recv();                 // waits in the reactor: a poll is outstanding
      await a.send(new Uint8Array([1, 2]));
      console.log("received", (await received).length);
      const udp = LibcSocket.create(binder, "inet", "dgram");
      udp.bind(["127.0.0.1", 0]);
      const abandoned = udp.recvfrom().catch((e) => e.name);
      await udp.close();                         // wakes the pending poll
      console.log("abandoned", await abandoned);
      await a.close(); await b.close();
      console.log("idle", getReactor(binder).stats.polling);
      // no process.exit(): the test fails on its timeout if anything keeps the loop alive
    `);
    const result = await run(script, 15_000);
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stdout).toBe("received 2\nabandoned ClosedResourceError\nidle false\n");
  });

  it("koffi is loaded on the binder's first call, not when the module is imported", async () => {
    const script = await childScript(`
      import { createRequire } from "node:module";
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes("koffi"));
      console.log("after import", loaded());
      binder.errno();
      console.log("after first call", loaded());
    `);
    const result = await run(script, 15_000);
    expect(result.stdout).toBe("after import false\nafter first call true\n");
  });

  it("process.exit() and an uncaught exception while a poll is pending end the process cleanly", async () => {
    // Node waits for running thread-pool work at exit: without the exit hook waking the poll this
    // hangs; and koffi's copy-back of typed-array arguments crashed Node 24 at exit.
    const exiting = await childScript(`
      const [a, b] = LibcSocket.socketpair(binder, "dgram");
      void b.recv();
      setTimeout(() => process.exit(3), 10);
    `);
    const throwing = await childScript(`
      const [a, b] = LibcSocket.socketpair(binder, "dgram");
      void b.recv();
      setTimeout(() => { throw new Error("boom"); }, 10);
    `);
    for (let i = 0; i < 5; i++) {
      expect(await run(exiting, 15_000)).toMatchObject({ code: 3, signal: null });
      const thrown = await run(throwing, 15_000);
      expect(thrown).toMatchObject({ code: 1, signal: null });
      expect(thrown.stderr).toContain("boom");
    }
  });

  it("(control) a pending receive keeps a child alive", async () => {
    // An unref'd timer fires only while something else keeps the event loop alive: here the
    // outstanding poll. Were it not holding the loop, the child would exit before it.
    const script = await childScript(`
      const [a, b] = LibcSocket.socketpair(binder, "dgram");
      void b.recv();
      setTimeout(() => { console.log("still alive"); process.exit(0); }, 200).unref();
    `);
    const result = await run(script, 15_000);
    expect(result).toMatchObject({ code: 0, stdout: "still alive\n" });
  });
});
