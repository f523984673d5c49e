// Deno bulk TCP, one end at a time: the CPU time per MiB of portio's receiving end against the
// `fresh` floor's (both fed by the same raw Deno.connect client), or of portio's sending end
// against raw Deno.connect's (both feeding the same `fresh` server). bench/main.mjs pairs a portio
// server with a portio client and the fresh server with the raw client, so its "portio / fresh"
// mixes both ends; this script tells them apart. Not part of bench/run.mjs: a diagnostic.
//
//   node_modules/deno/deno run --allow-all --no-lock bench/deno-bulk-ends.mjs \
//     [--end receiver|sender] [--bulk-mib 64] [--rounds 12] [--warmup-mib 256] [--pin split|same|none]
//     [--only fresh|raw|portio]
//
// Both variants run in alternating rounds (ABBA) against peers that live through the whole run,
// after each has moved --warmup-mib (a Deno receiver's first 128–256 MiB cost it several times
// the CPU per MiB of later ones: bench/main.mjs). Printed: each round's CPU per MiB (user +
// system) of the measured end for both variants, the per-round ratio portio / reference, and for
// receivers their minor page faults per round. The measured end's CPU is the figure to read:
// on a shared 2-core machine the same variant's rounds spread by ±20 %, so read the per-round
// ratios and their median, over several runs. `--only` runs one variant, its rounds back to back
// with no idle gap in between (compare such runs alternately, process against process).
//
// What it showed in the eleventh round (Deno 2.9.6, 2 cores shared with other work, load 4–8,
// default pinning: this process on CPU 0, the servers on CPU 1):
// - receiver, 6 runs of 24 rounds of 64 MiB: portio / fresh per-round medians 0.89, 1.13, 1.14,
//   1.17, 1.04, 1.07; 3 runs of 10 rounds of 256 MiB: 1.27, 1.09, 1.39. With `--only`, 6 pairs of
//   runs alternating: fresh 396, 533, 393, 474, 427, 417 µs per MiB, portio 441, 450, 443, 492,
//   462, 473 (fresh's 533: a run faulting 450–8,500 pages a round). Faults per round: fresh
//   mostly 0–1, portio mostly 16–30, both with bursts of hundreds to thousands.
// - sender, 6 runs of 24 rounds of 64 MiB: portio / raw 0.99, 1.06, 1.05, 1.04, 1.06, 1.06
//   (portio's median above raw's by 8–21 µs per MiB in all six).
// A receiver in a process of its own, measured from its first byte to end of stream and fed back
// to back by a raw Deno sender process that it started (unpinned), spent no more than fresh:
// 408–596 µs per MiB against 475–830 in six alternating process pairs, portio lower in five.
import { readFileSync } from "node:fs";
import { median, option, pinSelf, runtimeName, selfCommand, spawnPeer } from "./runtime.mjs";
import * as portio from "./portio.mjs";
import * as raw from "./raw-deno.mjs";

if (runtimeName !== "deno") throw new Error("deno-bulk-ends.mjs runs under Deno (the fresh floor is Deno's)");
const end = option("end", "receiver");
if (end !== "receiver" && end !== "sender") throw new Error("--end is receiver or sender");
const bulkBytes = Number(option("bulk-mib", 64)) * 2 ** 20;
const rounds = Number(option("rounds", 12));
const warmupBytes = Number(option("warmup-mib", 256)) * 2 ** 20;
const chunk = 64 * 1024;
const mib = bulkBytes / 2 ** 20;
const pin = pinSelf();

/** A bench/server.mjs child: its port, its CPU time so far (µs) on request, its pid. */
async function startServer(variant) {
  const child = spawnPeer(selfCommand("./server.mjs", [variant]), pin, { stdio: ["pipe", "pipe", "inherit"] });
  const pending = [];
  let buffered = "";
  child.stdout.on("data", (data) => {
    buffered += data;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      pending.shift()?.(line);
    }
  });
  const nextLine = () => new Promise((resolve) => pending.push(resolve));
  const port = Number(/^PORT (\d+)$/.exec(await nextLine())?.[1]);
  if (!port) throw new Error(`${variant} server did not start`);
  const cpuMicros = async () => {
    const answer = nextLine();
    child.stdin.write("cpu\n");
    return Number(/^CPU (\d+)$/.exec(await answer)?.[1]);
  };
  return { port, child, cpuMicros };
}

/** Minor page faults of process `pid` so far (the 10th field of /proc/PID/stat). */
function minorFaults(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/** The variants measured: [reference, portio], or the one `--only` names. */
const only = option("only", undefined);
const both = end === "receiver" ? ["fresh", "portio"] : ["raw", "portio"];
if (only !== undefined && !both.includes(only)) throw new Error(`--only is one of ${both.join(", ")} with --end ${end}`);
const names = only === undefined ? both : [only];
/** One round of `variant`: the measured end's CPU µs per MiB, and a receiver's minor faults. */
let runRound;
/** Servers to stop at the end. */
const servers = [];
if (end === "receiver") {
  const byName = {};
  for (const name of names) servers.push((byName[name] = await startServer(name)));
  runRound = async (variant) => {
    const server = byName[variant];
    const cpu0 = await server.cpuMicros();
    const faults0 = minorFaults(server.child.pid);
    await raw.bulk(server.port, bulkBytes, chunk);
    const faults = minorFaults(server.child.pid) - faults0;
    return { cpu: ((await server.cpuMicros()) - cpu0) / mib, faults };
  };
} else {
  const server = await startServer("fresh");
  servers.push(server);
  const clients = { raw, portio };
  runRound = async (variant) => {
    const before = process.cpuUsage();
    await clients[variant].bulk(server.port, bulkBytes, chunk);
    const used = process.cpuUsage(before);
    return { cpu: (used.user + used.system) / mib };
  };
}

try {
  for (let moved = 0; moved < warmupBytes; moved += bulkBytes) for (const name of names) await runRound(name);
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) results[name].push(await runRound(name));
  }
  const cpu = (name) => results[name].map((x) => Math.round(x.cpu));
  console.log(`deno ${Deno.version.deno}, ${end}, ${rounds} rounds of ${mib} MiB, pin ${pin}; CPU µs per MiB of the ${end}:`);
  for (const name of names) {
    const faults = end === "receiver" ? `, minor faults per round ${JSON.stringify(results[name].map((x) => x.faults))}` : "";
    console.log(`  ${name}: median ${Math.round(median(cpu(name)))}, rounds ${JSON.stringify(cpu(name))}${faults}`);
  }
  const [reference, measured] = names;
  const ratios = measured === undefined ? [] : results[measured].map((x, i) => x.cpu / results[reference][i].cpu);
  if (measured !== undefined)
    console.log(
      `  ${measured} / ${reference} per round: median ${median(ratios).toFixed(3)}, ${JSON.stringify(ratios.map((x) => Number(x.toFixed(3))))}`,
    );
} finally {
  for (const { child } of servers) child.stdin.end();
}
