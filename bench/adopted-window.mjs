// @ts-check
// adopted.mjs's bulk job (the client sends), one client process per variant and round, with the
// measured job bracketed (READY / go / DONE), so that callgrind (`--callgrind`: zeroed with
// `callgrind_control -z` at READY, dumped at DONE, node --single-threaded), strace (`--strace`:
// attached for the window) and `ss` (`--ss`) see the measured job only. Each client prints what
// its stream is (handle type, net's onread buffer and callback: direct reads), the window's
// write() calls and those that returned false, its CPU time, the heap at its start and the GCs in it.
//
//   node bench/adopted-window.mjs [--callgrind [--keep DIR]] [--strace] [--ss] [--pin] [--mib 128] [--warm 128]
//        [--pairs 6] [--variants native,adopted,native-w4,adopted-w4,adopted-gc,native-after-adopt] [--node-flags "..."]
//
// Variants: "native" (connectTcp) and "adopted" (fromSocket(3)) as in adopted.mjs; "-w4": the
// process first adopts and closes fd 4 (adoption's one-time loading in every variant's history,
// as adopted.mjs's warm-up now does); "adopted-gc": gc() after fromSocket; "native-after-adopt":
// fromSocket(3) closed again, then connectTcp. `--pin`: this driver and each client on CPU 0,
// the server on CPU 1 (as adopted.mjs). Rounds alternate the order (ABBA...).
//
// Node 20.20.2 (twelfth round, h6): the two streams are the same per MiB. Same TCPWrap handle and
// direct reads, 2,049 write() calls per 128 MiB; strace: about 2,070 write(2)s and 13-22
// epoll_pwait per 128 MiB on both; ss: the same socket state (tb 4 MiB, rb 128 KiB, bbr); callgrind
// (--mib 16 --warm 16, 6 pairs): 12.40 M native / 12.63 M adopted instructions per window without
// a scavenge, +3.3 / +3.5 M with one. What differed was the heap: the first adoption leaves about
// 1.2 MB of live young objects (libc-socket, koffi), and the adopted job ran two scavenges where
// the native ran one (8 pairs, --pin, 128 MiB: adopted / native CPU per MiB 1.054 median, higher in
// 7 of 8; with -w4 0.986, higher in 4 of 8, one scavenge each).
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const here = fileURLToPath(new URL(".", import.meta.url));

if (args[0] === "--child") await child(args[1], Number(args[2]), Number(args[3]), Number(args[4]));
else await driver();

async function driver() {
  const callgrind = args.includes("--callgrind");
  const mib = Number(opt("mib", 32));
  const warm = Number(opt("warm", 32));
  const pairs = Number(opt("pairs", 6));
  const variants = opt("variants", "native,adopted").split(",");
  const nodeFlags = opt("node-flags", callgrind ? "--single-threaded --expose-gc" : "--expose-gc")
    .split(" ")
    .filter(Boolean);
  // --pin: as adopted.mjs, this driver (and so each client) on CPU 0, the server on CPU 1.
  const pin = args.includes("--pin");
  if (pin) execFileSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
  const serverCommand = [process.execPath, join(here, "server.mjs"), "raw"];
  const server = pin
    ? spawn("taskset", ["-c", "1", ...serverCommand], { stdio: ["pipe", "pipe", "inherit"] })
    : spawn(serverCommand[0], serverCommand.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  for await (const data of server.stdout) {
    out += data;
    if (/PORT \d+/.test(out)) break;
  }
  const port = Number(/PORT (\d+)/.exec(out)?.[1]);
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    for (let p = 0; p < pairs; p++) {
      const order = p % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const r = await measure(v, port, mib, warm, callgrind, nodeFlags);
        results[v].push(r);
        console.log(
          `pair ${p + 1} ${v.padEnd(10)} ${r.perMib.toFixed(callgrind ? 3 : 1)} ${callgrind ? "M Ir" : "µs CPU"}/MiB ${r.info}`,
        );
      }
    }
  } finally {
    server.stdin?.end();
  }
  for (const v of variants) {
    const xs = results[v].map((r) => r.perMib).sort((a, b) => a - b);
    console.log(
      `${v.padEnd(10)} median ${xs[xs.length >> 1].toFixed(3)}  all ${results[v].map((r) => r.perMib.toFixed(3)).join(" ")}`,
    );
  }
}

async function measure(variant, port, mib, warm, callgrind, nodeFlags) {
  const dir = mkdtempSync(join(tmpdir(), "portio-adopted-window-"));
  let socket;
  let socket4;
  if (variant.includes("adopt")) {
    socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    await once(socket, "connect");
  }
  if (variant.endsWith("-w4")) {
    socket4 = net.connect({ host: "127.0.0.1", port, noDelay: true });
    await once(socket4, "connect");
  }
  const command = [...nodeFlags, fileURLToPath(import.meta.url), "--child", variant, String(port), String(warm), String(mib)];
  /** @type {import("node:child_process").StdioOptions} */
  const stdio = ["pipe", "pipe", callgrind ? "ignore" : "inherit", socket ?? "ignore", ...(socket4 ? [socket4] : [])];
  const child = callgrind
    ? spawn("valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(dir, "callgrind.%p")}`, process.execPath, ...command], {
        stdio,
      })
    : spawn(process.execPath, command, { stdio });
  socket?.destroy();
  socket4?.destroy();
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const expect = async (word) => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${variant}: the child ended before ${word}`);
      if (value.startsWith(word)) return value;
      if (/Scavenge|Mark-Compact|Mark-sweep/.test(value)) console.log(`  [${variant}] ${value.trim()}`);
    }
  };
  try {
    const ready = await expect("READY");
    if (callgrind) execFileSync("callgrind_control", ["-z", String(child.pid)], { stdio: "ignore" });
    const ss = () =>
      console.log(
        execFileSync("ss", ["-tmieno", "state", "established", "dport", `= :${port}`])
          .toString()
          .split("\n")
          .slice(1)
          .join("\n"),
      );
    if (args.includes("--ss")) ss();
    // --strace: the window's system calls, counted by strace attached from READY to DONE.
    let tracer;
    let traceOut;
    if (args.includes("--strace")) {
      traceOut = join(dir, "strace.txt");
      tracer = spawn("strace", ["-c", "-f", "-o", traceOut, "-p", String(child.pid)], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 500));
    }
    child.stdin.write("go\n");
    if (args.includes("--ss")) setTimeout(ss, 30);
    const done = await expect("DONE");
    if (callgrind) execFileSync("callgrind_control", ["-d", "window", String(child.pid)], { stdio: "ignore" });
    if (tracer) {
      tracer.kill("SIGINT");
      await once(tracer, "exit");
      console.log(
        readFileSync(traceOut, "utf8")
          .split("\n")
          .filter((l) => /\d/.test(l))
          .slice(0, 8)
          .join("\n"),
      );
    }
    child.stdin.end("go\n");
    if (child.exitCode === null) await once(child, "exit");
    const info = `${ready.slice(6)} ${done.split(" ").slice(2).join(" ")}`;
    if (!callgrind) return { perMib: Number(done.split(" ")[1]) / mib, info };
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), "utf8");
      if (!/^desc: Trigger: .*window/m.test(text)) continue;
      if (opt("keep", undefined)) copyFileSync(join(dir, file), join(opt("keep"), `callgrind.${variant}.${Date.now()}`));
      return { perMib: Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]) / 1e6 / mib, info };
    }
    throw new Error(`${variant}: no callgrind dump for the window`);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child(variant, port, warm, mib) {
  const portio = await import("./portio.mjs");
  const { SocketStream, connectTcp } = await import("portio");
  const chunk = 64 * 1024;
  // -w4: every variant adopts one fd (4) before the warm-up, so that adoption's one-time loading
  // (libc-socket, koffi) is in every process's history, not only the adopted variant's.
  if (variant.endsWith("-w4")) {
    await (await SocketStream.fromSocket(4)).aclose();
    variant = variant.slice(0, -3);
  }
  if (warm > 0) await portio.bulkOn(await connectTcp("127.0.0.1", port), warm * 2 ** 20, chunk);
  let stream;
  if (variant === "adopted") stream = await SocketStream.fromSocket(3);
  else if (variant === "adopted-gc") {
    stream = await SocketStream.fromSocket(3);
    globalThis.gc?.();
  } else if (variant === "native-after-adopt") {
    await (await SocketStream.fromSocket(3)).aclose();
    stream = await connectTcp("127.0.0.1", port);
  } else stream = await connectTcp("127.0.0.1", port);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  // What the transport's socket looks like: handle type, direct reads (net's kBuffer), nodelay.
  const transport = findTransport(stream);
  const sock = transport?.socket;
  process.stdout.write(
    `READY handle=${sock?._handle?.constructor?.name} kBuffer=${describe(sock, "kBuffer")} kBufferCb=${describe(sock, "kBufferCb")} ` +
      `flowing=${sock?.readableFlowing} hwm=${sock?.writableHighWaterMark}/${sock?.readableHighWaterMark}\n`,
  );
  await lines.next();
  let writes = 0;
  let falses = 0;
  if (sock) {
    const write = sock.write;
    sock.write = function (...a) {
      writes++;
      const r = write.apply(this, a);
      if (!r) falses++;
      return r;
    };
  }
  const { PerformanceObserver, constants } = await import("node:perf_hooks");
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  await portio.bulkOn(stream, mib * 2 ** 20, chunk);
  const { user, system } = process.cpuUsage(cpu0);
  await new Promise((r) => setImmediate(r));
  observer.disconnect();
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incr",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak",
  };
  const gcText = gcs.map((e) => `${kinds[e.detail?.kind ?? e.kind]}:${e.duration.toFixed(2)}`).join(",");
  process.stdout.write(
    `DONE ${user + system} writes=${writes} waits=${falses} user=${user} sys=${system} heap0=${(heap0 / 1e6).toFixed(1)}MB gc=[${gcText}]\n`,
  );
  await lines.next();
  process.exit(0);
}

function findTransport(stream) {
  // Core keeps the backend transport in a private field; find it by shape.
  for (const o of [stream, ...Object.values(stream)]) if (o && typeof o === "object" && "socket" in o) return o;
  return undefined;
}

function describe(sock, name) {
  const sym = sock && Object.getOwnPropertySymbols(sock).find((s) => s.description === name);
  const v = sym ? sock[sym] : undefined;
  return v === undefined || v === null ? String(v) : typeof v === "object" ? `${v.constructor.name}(${v.length})` : typeof v;
}
