// @ts-check
// Zero-downtime restart under load: how many connections per second a server keeps answering
// while a new process takes its listener over (fd passing), and how long the takeover lasts.
//
//   node bench/restart.mjs [--rounds N] [--clients N] [--phase N] [--runtimes node,bun,deno]
//
// Each round runs examples/processes/restart.mjs: a Node server (v1) answers a one-line request
// per connection (connect, send, receive, close) from CLIENTS concurrent loops; after PHASE
// answered requests, v2 starts on the runtime under test and takes the listener over; the loops
// go on until v1 has exited and PHASE more requests were answered. Reported per runtime, median of
// the rounds: connections/s before, during (v2 started → v1 exited) and after the restart,
// the takeover time (v2 started → v2 serving) and the restart time (v2 started → v1 exited), and
// the failed connections over all rounds (refused, reset or unanswered; must be 0).
// Needs a build (`pnpm run build`): the example imports "portio".
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const rounds = Number(option("rounds", 5));
const clients = option("clients", "8");
const phase = option("phase", "2000");
const runtimes = option("runtimes", "node,bun,deno").split(",");
const script = fileURLToPath(new URL("../examples/processes/restart.mjs", import.meta.url));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

console.log(
  `restart bench: ${rounds} rounds, ${clients} client loops, ${phase} requests before and after; node ${process.version}`,
);
console.log("| v2 runtime | conn/s before | conn/s during | conn/s after | takeover ms | restart ms | failed |");
console.log("|---|---|---|---|---|---|---|");
for (const runtime of runtimes) {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const out = execFileSync(process.execPath, [script, runtime, clients, phase], { encoding: "utf8", timeout: 120_000 });
    results.push(JSON.parse(out.trim().split("\n").at(-1)));
  }
  const cps = (key) => median(results.map((r) => r.connectionsPerSecond[key]));
  const failed = results.reduce((sum, r) => sum + r.failures, 0);
  console.log(
    `| ${runtime} | ${cps("before")} | ${cps("during")} | ${cps("after")} | ${median(results.map((r) => r.takeoverMs))} | ` +
      `${median(results.map((r) => r.restartMs))} | ${failed} |`,
  );
}
