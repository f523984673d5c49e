// UDP one way: portio's UDPSocket against raw node:dgram (on Deno: Deno.listenDatagram), in one
// process run, as a ratio.
//
//   node_modules/deno/deno run --allow-all --no-lock --unstable-net bench/udp.mjs [same options]
//
//   node bench/udp.mjs [--json out.json] [--count 100000] [--size 512] [--rounds 9] [--warmups 2]
//                      [--pin split|same|none] [--sender same|raw]
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
// On Deno, raw is Deno.listenDatagram (needs --unstable-net; node:dgram is Deno's much slower
// compatibility layer): its sender keeps bursts of 64 send() promises in flight, its receiver
// awaits each receive() into a reused buffer.
//
// (Also run as `node bench/udp.mjs --sender-child raw|portio`, the sender child: it reads
// "go <port> <count> <size>" lines on stdin and answers "sent <count> <seconds>".)
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
    variant === "portio" ? await portioSender() : runtimeName === "deno" ? await rawDatagramSender(HOST) : await rawSender();
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, port, count, size] = line.split(" ");
    if (command !== "go") continue;
    const seconds = await send(Number(port), Number(count), Number(size));
    process.stdout.write(`sent ${count} ${seconds}\n`);
  }
  process.exit(0);
}

async function rawSender() {
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.bind({ address: HOST, port: 0 }, () => resolve(undefined)));
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
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.bind({ address: HOST, port: 0 }, () => resolve(undefined)));
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
  const senders = { raw: startSender("raw", pin) };
  senders.portio = senderApi === "raw" ? senders.raw : startSender("portio", pin);
  const receivers = { raw: runtimeName === "deno" ? () => rawDatagramReceiver(HOST) : rawReceiver, portio: portioReceiver };

  async function round(variant) {
    const receiver = await receivers[variant]();
    const sender = senders[variant];
    const reply = sender.next();
    sender.child.stdin.write(`go ${receiver.port} ${count} ${size}\n`);
    const [, , sendSeconds] = (await reply).split(" ");
    // Everything sent: wait for the stragglers, then stop.
    let seen = -1;
    while (receiver.stats.received !== count && receiver.stats.received !== seen) {
      seen = receiver.stats.received;
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    }
    const dropped = receiver.dropped?.() ?? 0;
    await receiver.close();
    const { received, first, last } = receiver.stats;
    return {
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

  const samples = { raw: [], portio: [] };
  try {
    for (let w = 0; w < warmups; w++) {
      await round("raw");
      await round("portio");
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["raw", "portio"] : ["portio", "raw"];
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
  });
  const raw = summary("raw");
  const portio = summary("portio");
  const ratio = portio.receivedPerSecond / raw.receivedPerSecond;
  const job = `UDP one way, ${count} × ${size} B`;
  const k = (x) => `${(x / 1000).toFixed(1)}k`;
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `\nportio vs raw ${runtimeName === "deno" ? "Deno.listenDatagram" : "node:dgram"} — ${runtimeLabel}, medians of ${rounds} alternating rounds after ${warmups} warm-ups, sender processes (${senderApi === "raw" ? "raw sender for both" : "each variant's own sender"}), pinning: ${pin}`,
  );
  for (const name of ["raw", "portio"]) {
    const s = name === "raw" ? raw : portio;
    console.log(
      `  ${job}  ${name.padEnd(6)} received ${k(s.receivedPerSecond).padStart(7)}/s  sent ${k(s.sentPerSecond).padStart(7)}/s  loss ${pct(s.loss).padStart(6)}${name === "portio" ? `  (queue drops ${s.queueDropped})` : ""}`,
    );
  }
  console.log(`  ratio ${ratio.toFixed(3)} (${ratio >= 0.95 ? "meets" : "BELOW"} target ≥ 0.95)`);
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
