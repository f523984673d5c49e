// UDP one way: portio's UDPSocket against raw node:dgram (on Deno: Deno.listenDatagram), in one
// process run, as a ratio.
//
//   node_modules/deno/deno run --allow-all --no-lock --unstable-net bench/udp.mjs [same options]
//
//   node bench/udp.mjs [--json out.json] [--count 100000] [--size 512] [--rounds 9] [--warmups 2]
//                      [--pin split|same|none] [--sender same|raw] [--awaited-reference yes|no]
//
// Each variant is measured end to end, sender and receiver written with that variant's API: a
// sender child process (one per variant, started once) blasts `count` datagrams of `size` bytes
// at a receiver in this process. Reported per variant: datagrams received per second (first to
// last datagram received), the sender's rate, and the loss (UDP over loopback drops what the
// receiver's kernel buffer cannot hold while the receiver is busy, so loss is part of the result:
// a slower receiver loses more). Rounds alternate the variants (ABBA); medians; ratio =
// portio / raw of the received rate (target ≥ 0.95, issue 15).
//
// Raw sender: socket.send() in bursts of 64 without waiting for callbacks, then a yield to the
// event loop, the fastest node:dgram allows without queueing without bound. portio sender: one
// `await sock.sendto()` per datagram, its only API. `--sender raw` makes both variants use the raw
// sender, which isolates the receiving side.
//
// On Node a third variant, raw-awaited, is measured in the same rounds as a reference (not part of
// the ratio): node:dgram used the way an awaited API has to use it, one awaited `send()` per
// datagram (a promise over its callback) and one awaited promise per datagram received (a minimal
// queue over 'message'). It shows what one await per datagram costs on node:dgram itself, against
// raw's bursts and event callbacks. CPU time per datagram is reported for both sides of every
// variant (receiver: this process over the round, per datagram received; sender: the child's, per
// datagram sent), since on a loaded machine the rates mostly measure the other processes.
//
// raw-awaited hands its reader node:dgram's Buffer; portio's contract is a plain Uint8Array, a
// view made per datagram. Counted with Valgrind on Node 20 (callgrind, `--single-threaded`, a raw
// sender in bursts of 32 in the same process, per datagram from the difference of a 10,000 and
// a 30,000-datagram run: about 24,000 user-space instructions per datagram, sender included),
// portio's receive path was 250-550 over raw-awaited's (two runs). Its largest part is that
// view: about 300 (CreateTypedArray, and `.buffer`, a call into C++), which this floor does not
// pay.
//
// On Deno, raw is Deno.listenDatagram (needs --unstable-net; node:dgram is Deno's much slower
// compatibility layer): its sender keeps bursts of 64 send() promises in flight, its receiver
// awaits each receive() into a reused buffer.
//
// (Also run as `node bench/udp.mjs --sender-child raw|portio`, the sender child: it reads
// "go <port> <count> <size>" lines on stdin and answers "sent <count> <seconds> <cpu µs>".)
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { rawDatagramReceiver, rawDatagramSender } from "./raw-deno-udp.mjs";
import { runtimeLabel, runtimeName, selfCommand } from "./runtime.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const HOST = "127.0.0.1";
/** After the sender is done, the receiver stops once nothing has arrived for this long. */
const IDLE_MS = 100;

const senderRole = opt("sender-child", undefined);
if (senderRole !== undefined) await runSender(senderRole);
else await runMain();

// ---- the sender child ------------------------------------------------------------------------

async function runSender(variant) {
  const send =
    variant === "portio"
      ? await portioSender()
      : variant === "raw-awaited"
        ? await rawAwaitedSender()
        : runtimeName === "deno"
          ? await rawDatagramSender(HOST)
          : await rawSender();
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, port, count, size] = line.split(" ");
    if (command !== "go") continue;
    const cpu0 = process.cpuUsage();
    const seconds = await send(Number(port), Number(count), Number(size));
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`sent ${count} ${seconds} ${cpu.user + cpu.system}\n`);
  }
  process.exit(0);
}

/** A node:dgram socket bound to HOST on a free port. */
async function boundDgramSocket() {
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.bind({ address: HOST, port: 0 }, () => resolve(undefined)));
  return socket;
}

async function rawSender() {
  const socket = await boundDgramSocket();
  return async (port, count, size) => {
    const data = new Uint8Array(size).fill(7);
    const t0 = performance.now();
    let done = 0;
    await new Promise((resolve, reject) => {
      const onSent = (error) => {
        if (error) reject(error);
        else if (++done === count) resolve();
      };
      const burst = (start) => {
        const end = Math.min(count, start + 64);
        for (let i = start; i < end; i++) socket.send(data, port, HOST, onSent);
        if (end < count) setImmediate(burst, end);
      };
      burst(0);
    });
    return (performance.now() - t0) / 1000;
  };
}

async function rawAwaitedSender() {
  const socket = await boundDgramSocket();
  return async (port, count, size) => {
    const data = new Uint8Array(size).fill(7);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve, reject) => socket.send(data, port, HOST, (error) => (error ? reject(error) : resolve())));
    }
    return (performance.now() - t0) / 1000;
  };
}

async function portioSender() {
  const { createUdpSocket } = await import("portio");
  const sock = await createUdpSocket({ localHost: HOST });
  return async (port, count, size) => {
    const data = new Uint8Array(size).fill(7);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await sock.sendto(data, HOST, port);
    return (performance.now() - t0) / 1000;
  };
}

// ---- receivers (in this process) ----------------------------------------------------------------

/** A receiver: `port`, and `run(onDone)` resolving { received, first, last } once stopped. */
async function rawReceiver() {
  const socket = await boundDgramSocket();
  const stats = { received: 0, bytes: 0, first: 0, last: 0 };
  socket.on("message", (message) => {
    const now = performance.now();
    if (stats.received++ === 0) stats.first = now;
    stats.last = now;
    stats.bytes += message.byteLength;
  });
  return {
    port: socket.address().port,
    stats,
    close: () => new Promise((resolve) => socket.close(() => resolve(undefined))),
  };
}

/** node:dgram behind the smallest pull API: one awaited promise per datagram, a plain array queue. */
async function rawAwaitedReceiver() {
  const socket = await boundDgramSocket();
  const queue = [];
  let waiter;
  let closed = false;
  socket.on("message", (message, rinfo) => {
    const item = [message, rinfo];
    if (waiter === undefined) queue.push(item);
    else {
      const resolve = waiter;
      waiter = undefined;
      resolve(item);
    }
  });
  const receive = () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => (waiter = resolve)));
  const stats = { received: 0, bytes: 0, first: 0, last: 0 };
  const loop = (async () => {
    for (;;) {
      const item = await receive();
      if (closed) return;
      const now = performance.now();
      if (stats.received++ === 0) stats.first = now;
      stats.last = now;
      stats.bytes += item[0].byteLength;
    }
  })();
  return {
    port: socket.address().port,
    stats,
    close: async () => {
      closed = true;
      waiter?.(undefined);
      await loop;
      await new Promise((resolve) => socket.close(() => resolve(undefined)));
    },
  };
}

async function portioReceiver() {
  const { ClosedResourceError, createUdpSocket, SocketAttribute } = await import("portio");
  const sock = await createUdpSocket({ localHost: HOST });
  const stats = { received: 0, bytes: 0, first: 0, last: 0 };
  const loop = (async () => {
    try {
      for (;;) {
        const [data] = await sock.receive();
        const now = performance.now();
        if (stats.received++ === 0) stats.first = now;
        stats.last = now;
        stats.bytes += data.byteLength;
      }
    } catch (error) {
      if (!(error instanceof ClosedResourceError)) throw error;
    }
  })();
  return {
    port: sock.extra(SocketAttribute.localPort),
    stats,
    // The Node backend's receive queue (not public API), for its drop count.
    dropped: () => /** @type {any} */ (sock).transport?.queue?.dropped ?? 0,
    close: async () => {
      await sock.aclose();
      await loop;
    },
  };
}

// ---- the run --------------------------------------------------------------------------------

async function runMain() {
  const count = Number(opt("count", 100_000));
  const size = Number(opt("size", 512));
  const rounds = Number(opt("rounds", 9));
  const warmups = Number(opt("warmups", 2));
  const jsonOut = opt("json", undefined);

  // CPU pinning as in bench/main.mjs: "split" puts this receiver on CPU 0 and the senders on CPU 1.
  const canPin = cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
  const pin = opt("pin", canPin ? "split" : "none");
  if (pin !== "none") {
    if (!canPin) throw new Error("--pin needs taskset and 2 CPUs");
    spawnSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
  }

  const senderApi = opt("sender", "same");
  // Deno's raw variant already awaits every send and receive: the reference is Node's.
  const awaitedReference = opt("awaited-reference", runtimeName === "deno" ? "no" : "yes") === "yes";
  const variants = awaitedReference ? ["raw", "portio", "raw-awaited"] : ["raw", "portio"];
  const senders = { raw: startSender("raw", pin) };
  senders.portio = senderApi === "raw" ? senders.raw : startSender("portio", pin);
  if (awaitedReference) senders["raw-awaited"] = senderApi === "raw" ? senders.raw : startSender("raw-awaited", pin);
  const receivers = {
    raw: runtimeName === "deno" ? () => rawDatagramReceiver(HOST) : rawReceiver,
    portio: portioReceiver,
    "raw-awaited": rawAwaitedReceiver,
  };

  async function round(variant) {
    const receiver = await receivers[variant]();
    const sender = senders[variant];
    const reply = sender.next();
    const cpu0 = process.cpuUsage();
    sender.child.stdin.write(`go ${receiver.port} ${count} ${size}\n`);
    const [, , sendSeconds, senderCpuMicros] = (await reply).split(" ");
    // Everything sent: wait for the stragglers, then stop.
    let seen = -1;
    while (receiver.stats.received !== count && receiver.stats.received !== seen) {
      seen = receiver.stats.received;
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    }
    const cpu = process.cpuUsage(cpu0);
    const dropped = receiver.dropped?.() ?? 0;
    await receiver.close();
    const { received, first, last } = receiver.stats;
    return {
      receiverCpuMicros: received > 0 ? (cpu.user + cpu.system) / received : 0,
      senderCpuMicros: Number(senderCpuMicros) / count,
      received,
      loss: 1 - received / count,
      queueDropped: dropped,
      receivedPerSecond: received > 1 ? (received - 1) / ((last - first) / 1000) : 0,
      sentPerSecond: count / Number(sendSeconds),
    };
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };

  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    for (let w = 0; w < warmups; w++) {
      for (const v of variants) await round(v);
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) samples[v].push(await round(v));
    }
  } finally {
    for (const sender of new Set(Object.values(senders))) sender.child.stdin.end();
  }

  const summary = (v) => ({
    receivedPerSecond: median(samples[v].map((s) => s.receivedPerSecond)),
    sentPerSecond: median(samples[v].map((s) => s.sentPerSecond)),
    loss: median(samples[v].map((s) => s.loss)),
    queueDropped: median(samples[v].map((s) => s.queueDropped)),
    receiverCpuMicros: median(samples[v].map((s) => s.receiverCpuMicros)),
    senderCpuMicros: median(samples[v].map((s) => s.senderCpuMicros)),
  });
  const raw = summary("raw");
  const portio = summary("portio");
  const awaited = awaitedReference ? summary("raw-awaited") : undefined;
  const ratio = portio.receivedPerSecond / raw.receivedPerSecond;
  const job = `UDP one way, ${count} × ${size} B`;
  const k = (x) => `${(x / 1000).toFixed(1)}k`;
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `\nportio vs raw ${runtimeName === "deno" ? "Deno.listenDatagram" : "node:dgram"} — ${runtimeLabel}, medians of ${rounds} alternating rounds after ${warmups} warm-ups, sender processes (${senderApi === "raw" ? "raw sender for both" : "each variant's own sender"}), pinning: ${pin}`,
  );
  const cpu = (s) => `CPU/datagram receiver ${s.receiverCpuMicros.toFixed(2)} µs, sender ${s.senderCpuMicros.toFixed(2)} µs`;
  for (const [name, s] of Object.entries({ raw, portio, ...(awaited && { "raw-awaited": awaited }) })) {
    console.log(
      `  ${job}  ${name.padEnd(11)} received ${k(s.receivedPerSecond).padStart(7)}/s  sent ${k(s.sentPerSecond).padStart(7)}/s  loss ${pct(s.loss).padStart(6)}  ${cpu(s)}${name === "portio" ? `  (queue drops ${s.queueDropped})` : ""}`,
    );
  }
  console.log(`  ratio ${ratio.toFixed(3)} (${ratio >= 0.95 ? "meets" : "BELOW"} target ≥ 0.95)`);
  const f2 = (x) => x.toFixed(2);
  const note = awaited
    ? `raw-awaited reference (node:dgram, one await per datagram sent and received) ${k(awaited.receivedPerSecond)}/s = ${f2(awaited.receivedPerSecond / raw.receivedPerSecond)} of raw, portio / raw-awaited ${f2(portio.receivedPerSecond / awaited.receivedPerSecond)}; ` +
      `CPU per datagram receiver raw ${f2(raw.receiverCpuMicros)} µs, raw-awaited ${f2(awaited.receiverCpuMicros)} µs, portio ${f2(portio.receiverCpuMicros)} µs; ` +
      `sender raw ${f2(raw.senderCpuMicros)} µs, raw-awaited ${f2(awaited.senderCpuMicros)} µs, portio ${f2(portio.senderCpuMicros)} µs`
    : undefined;
  if (note) console.log(`  ${note}`);
  if (jsonOut) {
    writeFileSync(
      jsonOut,
      JSON.stringify(
        {
          runtime: runtimeLabel,
          rounds,
          warmups,
          pin,
          results: [
            {
              job,
              unit: "datagrams/s",
              target: 0.95,
              raw: raw.receivedPerSecond,
              portio: portio.receivedPerSecond,
              ratio,
              loss: { raw: raw.loss, portio: portio.loss },
              ...(note && { note }),
              samples,
            },
          ],
        },
        null,
        2,
      ),
    );
  }
}

function startSender(variant, pin) {
  const [self, argv] = selfCommand("./udp.mjs", ["--sender-child", variant]);
  const [cmd, cmdArgs] = pin === "none" ? [self, argv] : ["taskset", ["-c", pin === "split" ? "1" : "0", self, ...argv]];
  const child = spawn(cmd, cmdArgs, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    async next() {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${variant} sender exited`);
      return value;
    },
  };
}
