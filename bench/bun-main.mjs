// Bun benchmarks: portio (@portio/bun) against Bun's raw APIs (Bun.connect / Bun.listen /
// Bun.udpSocket), same run, as ratios. The peer (sink / echo server / UDP sender) is a separate
// Bun process running raw Bun APIs for both variants, so only the measured side differs.
//
//   node_modules/.bin/bun bench/bun-main.mjs [--rounds 5] [--bulk-mib 256] [--pings 20000] [--datagrams 200000]
//                                            [--jobs tcp,udp] [--pin split|same|none] [--json out.json]
//
// Each row's note gives the CPU time (user + system) per MiB / per round trip / per datagram of
// this process and of the peer (which reports its own), medians of the rounds; each job also runs
// a raw-awaited reference (bulkRawAwaited, pingRawAwaited, udpRawAwaited: the floor of an awaited
// API), in the note. For UDP this process's CPU is per datagram it received (loopback drops what
// the receiver's buffer cannot hold, more or less from round to round) and the peer's per
// datagram sent: on a shared machine the received rate mostly follows the sender's and the
// other processes' scheduling, the CPU per datagram tells cost from noise.
//
// Pinning as in bench/main.mjs (default "split" where taskset and 2+ CPUs exist: this process on
// CPU 0, the peer on CPU 1), because unpinned ping-pong on 2 cores is bimodal.
//
// portio comes in as `import("portio")`, like the other scripts: the build by default (run
// `pnpm run build` first), or the workspace sources with `bun --conditions=portio-source`. Either
// way there is one copy of @portio/core. (Importing core's and the backend's sources by relative
// path, as this script once did, gave two: the backend's own `@portio/core` imports resolved to
// the build, so its WRITTEN was not the one core compares with, and every send took the
// deferred path, one more promise and microtask per send.)
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const strArg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

// ---- peer process ------------------------------------------------------------------------------
if (process.argv[2] === "peer") {
  // Sink: counts bytes, answers 1 byte at EOF. Echo: writes back what it gets.
  const sink = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(s) {
        s.data = 0;
      },
      data(s, d) {
        s.data += d.length;
      },
      end(s) {
        s.write("!");
        s.end();
      },
    },
  });
  const pending = new Map();
  const echo = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s, d) {
        const n = s.write(d);
        if (n < d.length) pending.set(s, d.subarray(Math.max(n, 0)));
      },
      drain(s) {
        const rest = pending.get(s);
        if (rest) {
          pending.delete(s);
          s.write(rest);
        }
      },
    },
  });
  const sender = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  process.stdout.write(`${JSON.stringify({ sink: sink.port, echo: echo.port })}\n`);
  // UDP: on "udp PORT COUNT\n", sends COUNT 512-byte datagrams in batches, yielding between them.
  // "cpu\n" is answered with "CPU <µs>", this process's CPU time so far (user + system).
  let buffered = "";
  process.stdin.on("data", async (chunk) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop();
    for (const line of lines) {
      const [cmd, port, count] = line.split(" ");
      if (cmd === "quit") process.exit(0);
      if (cmd === "cpu") {
        const { user, system } = process.cpuUsage();
        process.stdout.write(`CPU ${user + system}\n`);
        continue;
      }
      if (cmd !== "udp") continue;
      const payload = new Uint8Array(512);
      const batch = [];
      for (let i = 0; i < 64; i++) batch.push(payload, Number(port), "127.0.0.1");
      for (let sent = 0; sent < Number(count); sent += 64) {
        sender.sendMany(batch);
        if ((sent & 1023) === 0) await new Promise((r) => setImmediate(r));
      }
      process.stdout.write("sent\n");
    }
  });
} else {
  await main();
}

async function main() {
  const { connectTcp, createUdpSocket, SocketAttribute } = await import("portio");
  const rounds = arg("rounds", 5);
  const bulkBytes = arg("bulk-mib", 256) * 1024 * 1024;
  const pings = arg("pings", 20000);
  const datagrams = arg("datagrams", 200000);
  const only = new Set(strArg("jobs", "tcp,udp").split(","));
  const jsonOut = strArg("json", undefined);

  const canPin = cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
  const pin = strArg("pin", canPin ? "split" : "none");
  if (pin !== "none") {
    if (!canPin) throw new Error("--pin needs taskset and 2 CPUs");
    spawnSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
  }
  const peerArgv = [process.execPath, self, "peer"];
  const peer =
    pin === "none"
      ? spawn(peerArgv[0], peerArgv.slice(1), { stdio: ["pipe", "pipe", "inherit"] })
      : spawn("taskset", ["-c", pin === "split" ? "1" : "0", ...peerArgv], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  let lineWaiter;
  let out = "";
  peer.stdout.on("data", (d) => {
    out += d;
    const parts = out.split("\n");
    out = parts.pop();
    lines.push(...parts);
    lineWaiter?.();
  });
  const nextLine = async () => {
    while (lines.length === 0) await new Promise((r) => (lineWaiter = r));
    return lines.shift();
  };
  const ports = JSON.parse(await nextLine());
  /** The peer's CPU time so far (user + system, µs), as it reports it. */
  const peerCpuMicros = async () => {
    peer.stdin.write("cpu\n");
    const answer = /^CPU (\d+)$/.exec(await nextLine());
    if (!answer) throw new Error("the peer did not report its CPU time");
    return Number(answer[1]);
  };

  const chunk = new Uint8Array(64 * 1024).fill(7);
  const small = new Uint8Array(64).fill(1);

  // ---- bulk ----
  async function bulkRaw() {
    let done;
    const finished = new Promise((r) => (done = r));
    let offset = 0;
    let sent = 0;
    const pump = (s) => {
      while (sent < bulkBytes) {
        const n = s.write(chunk, offset, chunk.length - offset);
        if (n <= 0) return;
        offset += n;
        if (offset === chunk.length) {
          offset = 0;
          sent += chunk.length;
        } else return;
      }
      if (!s.data) {
        s.data = true;
        s.shutdown();
      }
    };
    const t0 = performance.now();
    await Bun.connect({
      hostname: "127.0.0.1",
      port: ports.sink,
      allowHalfOpen: true,
      socket: {
        open: pump,
        drain: pump,
        data() {},
        close() {
          done();
        },
      },
    });
    await finished;
    return bulkBytes / ((performance.now() - t0) / 1000) / 1e6;
  }
  // The floor of an awaited API (the "raw-awaited" reference in the note): Bun.connect held to
  // portio's contract and nothing more. A promise-based send() is awaited once per 64 KiB, so the
  // sender cannot loop inside the drain handler as bulkRaw does: each write starts from the
  // caller's await. A send resolves at once (one settled promise for all) when Bun's write() took
  // every byte, the least it can do; otherwise it keeps the rest (a subarray, no copy) and writes
  // it on `drain` until the kernel took it all, then resolves. No busy/closed checks, error
  // mapping, cancellation or buffering ahead: those are what portio adds, so portio / raw-awaited
  // is what portio itself costs.
  async function bulkRawAwaited() {
    let done;
    const finished = new Promise((r) => (done = r));
    let drained;
    const t0 = performance.now();
    const s = await Bun.connect({
      hostname: "127.0.0.1",
      port: ports.sink,
      allowHalfOpen: true,
      socket: {
        binaryType: "uint8array",
        drain() {
          const wake = drained;
          drained = undefined;
          wake?.();
        },
        data() {},
        close() {
          done();
        },
      },
    });
    const taken = Promise.resolve();
    const written = (n) => {
      if (n < 0) throw new Error("raw-awaited: the socket refused a write");
      return n;
    };
    const flush = async (rest) => {
      while (rest.byteLength > 0) {
        await new Promise((r) => (drained = r));
        rest = rest.subarray(written(s.write(rest)));
      }
    };
    const send = (data) => {
      const n = written(s.write(data));
      return n === data.byteLength ? taken : flush(data.subarray(n));
    };
    for (let sent = 0; sent < bulkBytes; sent += chunk.length) await send(chunk);
    s.shutdown();
    await finished;
    return bulkBytes / ((performance.now() - t0) / 1000) / 1e6;
  }
  async function bulkPortio() {
    const t0 = performance.now();
    const stream = await connectTcp("127.0.0.1", ports.sink);
    for (let sent = 0; sent < bulkBytes; sent += chunk.length) await stream.send(chunk);
    await stream.sendEof();
    await stream.receive();
    await stream.aclose();
    return bulkBytes / ((performance.now() - t0) / 1000) / 1e6;
  }

  // ---- ping-pong ----
  async function pingRaw() {
    let left = pings;
    let got = 0;
    let done;
    const finished = new Promise((r) => (done = r));
    const t0 = performance.now();
    const s = await Bun.connect({
      hostname: "127.0.0.1",
      port: ports.echo,
      socket: {
        data(sock, d) {
          got += d.length;
          if (got < 64) return;
          got -= 64;
          if (--left === 0) done();
          else sock.write(small);
        },
      },
    });
    s.setNoDelay(true);
    s.write(small);
    await finished;
    const rate = pings / ((performance.now() - t0) / 1000);
    s.end();
    return rate;
  }
  // The floor of an awaited API (the "raw-awaited" reference in the note): Bun.connect held to
  // portio's contract and nothing more. One promise awaited per send and per receive (an awaited
  // API cannot write from inside the data handler as pingRaw does); a send resolves at once when
  // Bun's write() took every byte, which is the least it can do; a receive gets the chunk Bun
  // delivered (a fresh Uint8Array per event: the reader owns it) or waits for the next one
  // through one pending promise. No busy/closed checks, error mapping, cancellation or maxBytes:
  // those are what portio adds, so portio / raw-awaited is what portio itself costs.
  async function pingRawAwaited() {
    const chunks = [];
    let reader;
    const s = await Bun.connect({
      hostname: "127.0.0.1",
      port: ports.echo,
      socket: {
        binaryType: "uint8array",
        data(_sock, d) {
          if (reader) {
            const r = reader;
            reader = undefined;
            r(d);
          } else chunks.push(d);
        },
      },
    });
    s.setNoDelay(true);
    const read = () => (chunks.length > 0 ? Promise.resolve(chunks.shift()) : new Promise((r) => (reader = r)));
    const sent = Promise.resolve();
    const write = (data) => {
      if (s.write(data) !== data.length) throw new Error("raw-awaited: a 64 B write was not taken whole");
      return sent;
    };
    const t0 = performance.now();
    for (let i = 0; i < pings; i++) {
      await write(small);
      let got = 0;
      while (got < 64) got += (await read()).length;
    }
    const rate = pings / ((performance.now() - t0) / 1000);
    s.end();
    return rate;
  }
  async function pingPortio() {
    const stream = await connectTcp("127.0.0.1", ports.echo);
    const t0 = performance.now();
    for (let i = 0; i < pings; i++) {
      await stream.send(small);
      let got = 0;
      while (got < 64) got += (await stream.receive()).length;
    }
    const rate = pings / ((performance.now() - t0) / 1000);
    await stream.aclose();
    return rate;
  }

  // ---- UDP 512 B one way, received/s ----
  /** Datagrams the last UDP run received: its CPU time is counted per datagram received (loss varies). */
  let udpReceived = 0;
  async function udpRun(receiveLoop) {
    return receiveLoop(async (port) => {
      peer.stdin.write(`udp ${port} ${datagrams}\n`);
    });
  }
  async function udpRaw() {
    return udpRun(async (start) => {
      let count = 0;
      let first = 0;
      let last = 0;
      const s = await Bun.udpSocket({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data() {
            last = performance.now();
            if (count++ === 0) first = last;
          },
        },
      });
      await start(s.port);
      await nextLine(); // "sent"
      await Bun.sleep(50);
      s.close();
      udpReceived = count;
      return (count - 1) / ((last - first) / 1000);
    });
  }
  /** The floor of an awaited receive on Bun.udpSocket: one awaited promise per datagram, from a minimal queue over `data`. */
  async function udpRawAwaited() {
    return udpRun(async (start) => {
      const queue = [];
      let waiter;
      const s = await Bun.udpSocket({
        hostname: "127.0.0.1",
        port: 0,
        binaryType: "uint8array",
        socket: {
          data(_socket, data, port, address) {
            // What a receive hands out: the datagram and its sender, as portio's does.
            const datagram = [data, [address, port]];
            if (waiter === undefined) return void queue.push(datagram);
            const resolve = waiter;
            waiter = undefined;
            resolve(datagram);
          },
        },
      });
      let count = 0;
      let first = 0;
      let last = 0;
      const loop = (async () => {
        for (;;) {
          const datagram = queue.length > 0 ? queue.shift() : await new Promise((resolve) => (waiter = resolve));
          if (datagram === null) return;
          last = performance.now();
          if (count++ === 0) first = last;
        }
      })();
      await start(s.port);
      await nextLine();
      await Bun.sleep(50);
      s.close();
      if (waiter !== undefined) waiter(null);
      else queue.push(null);
      await loop;
      udpReceived = count;
      return (count - 1) / ((last - first) / 1000);
    });
  }
  async function udpPortio() {
    return udpRun(async (start) => {
      const socket = await createUdpSocket({ localHost: "127.0.0.1" });
      let count = 0;
      let first = 0;
      let last = 0;
      let stop = false;
      const loop = (async () => {
        try {
          while (!stop) {
            await socket.receive();
            last = performance.now();
            if (count++ === 0) first = last;
          }
        } catch {}
      })();
      await start(socket.extra(SocketAttribute.localPort));
      await nextLine();
      await Bun.sleep(50);
      stop = true;
      await socket.aclose();
      await loop;
      udpReceived = count;
      return (count - 1) / ((last - first) / 1000);
    });
  }

  const jobs = [
    {
      kind: "tcp",
      job: `bulk TCP ${bulkBytes >> 20} MiB in 64 KiB writes (MB/s)`,
      unit: "MB/s",
      raw: bulkRaw,
      portio: bulkPortio,
      awaited: bulkRawAwaited,
      awaitedLabel: "Bun.connect, one await per 64 KiB send, resolved once write() took it all or drain flushed the rest",
      target: 0.95,
      cpuPer: { count: bulkBytes / 2 ** 20, unit: "MiB" },
    },
    {
      kind: "tcp",
      job: `64 B ping-pong, ${pings} round trips (rt/s)`,
      unit: "rt/s",
      raw: pingRaw,
      portio: pingPortio,
      awaited: pingRawAwaited,
      awaitedLabel: "Bun.connect, one await per send and per receive",
      target: 0.95,
      cpuPer: { count: pings, unit: "round trip" },
    },
    {
      kind: "udp",
      job: `UDP 512 B one way, ${datagrams} sent (received/s)`,
      unit: "datagrams/s",
      raw: udpRaw,
      portio: udpPortio,
      awaited: udpRawAwaited,
      awaitedLabel: "Bun.udpSocket, one awaited promise per datagram received, from a queue over data",
      target: 0.95,
      // This process's CPU per datagram it received, the peer's per datagram it sent.
      cpuPer: { count: datagrams, unit: "datagram", selfCount: () => udpReceived },
    },
  ].filter((j) => only.has(j.kind));
  const results = [];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(
    `bun ${Bun.version}: portio vs raw Bun APIs, median of ${rounds} (order rotated per round, one warm-up each), pinning: ${pin}`,
  );
  for (const j of jobs) {
    await j.raw();
    await j.portio();
    const raw = [];
    const portio = [];
    // CPU time (user + system, µs) per job unit of this process and of the peer, every round:
    // unlike wall time it does not move with the other process's scheduling.
    const awaited = [];
    const cpu = { raw: { self: [], peer: [] }, portio: { self: [], peer: [] }, awaited: { self: [], peer: [] } };
    const measure = async (variant, run, into) => {
      if (!j.cpuPer) return into.push(await run());
      const peer0 = await peerCpuMicros();
      const self0 = process.cpuUsage();
      into.push(await run());
      const self = process.cpuUsage(self0);
      const peerMicros = (await peerCpuMicros()) - peer0;
      cpu[variant].self.push((self.user + self.system) / (j.cpuPer.selfCount?.() ?? j.cpuPer.count));
      cpu[variant].peer.push(peerMicros / j.cpuPer.count);
    };
    if (j.awaited) await j.awaited();
    const runs = [["raw", j.raw, raw], ["portio", j.portio, portio], ...(j.awaited ? [["awaited", j.awaited, awaited]] : [])];
    for (let i = 0; i < rounds; i++) {
      // rotate the order so that no variant always runs first or right after another one
      for (let k = 0; k < runs.length; k++) await measure(...runs[(i + k) % runs.length]);
    }
    const r = median(raw);
    const p = median(portio);
    console.log(
      `  ${j.job.padEnd(48)} raw ${r.toFixed(0).padStart(9)}  portio ${p.toFixed(0).padStart(9)}  ratio ${(p / r).toFixed(3)} (target ≥ ${j.target})`,
    );
    let note;
    if (j.cpuPer) {
      const us = (x) => `${x.toFixed(2)} µs`;
      const both = (v) => cpu[v].self.map((c, i) => c + cpu[v].peer[i]);
      const variants = j.awaited ? ["raw", "portio", "awaited"] : ["raw", "portio"];
      const side = (label, pick) =>
        `${label} ${variants.map((v) => `${v === "awaited" ? "raw-awaited" : v} ${us(median(pick(v)))}`).join(", ")}`;
      const floor = j.awaited
        ? `raw-awaited reference (${j.awaitedLabel}) ${median(awaited).toFixed(0)} ${j.unit} = ${(median(awaited) / r).toFixed(2)} of raw, portio / raw-awaited ${(p / median(awaited)).toFixed(2)}; `
        : "";
      const ratio = (pick, to) => (median(pick("portio")) / median(pick(to))).toFixed(2);
      const client = (v) => cpu[v].self;
      note = j.cpuPer.selfCount
        ? // The ends count different datagrams (the client those it received), so no sum of them.
          `${floor}CPU per ${j.cpuPer.unit} (user + system, median of rounds): ` +
          `${side("client per datagram received", client)} (portio / raw ${ratio(client, "raw")}` +
          `${j.awaited ? `, portio / raw-awaited ${ratio(client, "awaited")}` : ""}); ` +
          `${side("peer (raw Bun for all) per datagram sent", (v) => cpu[v].peer)}`
        : `${floor}CPU per ${j.cpuPer.unit} (user + system, median of rounds): ` +
          `${side("client", client)}; ${side("peer (raw Bun for all)", (v) => cpu[v].peer)}; ` +
          `${side("both ends", both)} (portio / raw ${ratio(both, "raw")})`;
      console.log(`    ${note}`);
    }
    results.push({
      job: j.job.replace(/ \([^)]*\)$/, ""),
      unit: j.unit,
      target: j.target,
      raw: r,
      portio: p,
      ratio: p / r,
      samples: { raw, portio },
      ...(note && { note }),
    });
  }
  peer.stdin.write("quit\n");
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runtime: `bun ${Bun.version}`, rounds, pin, results }, null, 2));
}
