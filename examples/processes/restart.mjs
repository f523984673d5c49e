// Zero-downtime restart, end to end: starts server.mjs on Node, runs a bounded client loop
// against it, starts a new server.mjs (on RUNTIME) that takes the listener over, and keeps the
// loop going until the old process has exited and the new one has answered. Prints one JSON line
// of results and exits 0 when no connection was refused, reset or left unanswered.
//
//   node examples/processes/restart.mjs [RUNTIME] [CLIENTS] [PHASE]   (after `pnpm run build`)
//   RUNTIME: node (default), bun or deno — the runtime of the new process
//   CLIENTS: concurrent client loops (4); PHASE: answered requests before and after (200)
// @ts-check
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectTcp } from "portio";
import { commandFor } from "./runtimes.mjs";

const runtime = /** @type {"node" | "bun" | "deno"} */ (process.argv[2] ?? "node");
const clients = Number(process.argv[3] ?? 4);
/** Requests each phase needs before the next one starts; bounds the whole run. */
const WARMUP = Number(process.argv[4] ?? 200);
const AFTER = WARMUP;
const MAX_REQUESTS = 200_000;
const dir = mkdtempSync(join(tmpdir(), "portio-restart-"));
const control = join(dir, "restart.sock");
const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
const watchdog = setTimeout(() => {
  console.error("restart: timed out");
  process.exit(2);
}, 90_000);

/**
 * @param {"node" | "bun" | "deno"} on
 * @param {string[]} args
 */
function startServer(on, args) {
  const [command, argv] = commandFor(on, "server.mjs", args);
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"], env });
  /** @type {string[]} */
  const lines = [];
  /** @type {Array<{ text: string, resolve: (line: string) => void }>} */
  const waiters = [];
  child.stdout.on("data", (chunk) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.startsWith(w.text))) waiter.resolve(line);
    }
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    /** @param {string} text */
    line: (text) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((line) => line.startsWith(text));
        if (seen) resolve(seen);
        else waiters.push({ text, resolve });
        void exited.then((code) => reject(new Error(`server exited (${code}) before printing "${text}"`)));
      }),
  };
}

const old = startServer("node", [control]);
const port = Number((await old.line("listening")).split(" ")[1]);

const started = performance.now();
let completed = 0;
let failures = 0;
/** @type {Map<string, number>} */
const answeredBy = new Map();
/** Completion times (ms since start) of every answered request, for the rates. */
/** @type {number[]} */
const times = [];
let phase = "before";
/** @type {(() => void) | undefined} */
let onWarm;
const warm = new Promise((resolve) => (onWarm = () => resolve(undefined)));
let stopLoop = false;
/** @type {Array<string>} */
const errors = [];

async function clientLoop() {
  while (!stopLoop && completed + failures < MAX_REQUESTS) {
    try {
      const stream = await connectTcp("127.0.0.1", port);
      try {
        await stream.send(new TextEncoder().encode("ping\n"));
        const line = new TextDecoder().decode(await stream.receive(100, { signal: AbortSignal.timeout(10_000) }));
        const server = line.trim().split(" ").slice(1).join(" ");
        answeredBy.set(server, (answeredBy.get(server) ?? 0) + 1);
        completed++;
        times.push(performance.now() - started);
        if (completed === WARMUP) onWarm?.();
      } finally {
        await stream.aclose();
      }
    } catch (error) {
      failures++;
      if (errors.length < 5) errors.push(`${phase}: ${String(/** @type {Error} */ (error)?.message ?? error)}`);
    }
  }
}
const loops = Array.from({ length: clients }, () => clientLoop());

await warm;
phase = "during";
const restartStart = performance.now() - started;
const successor = startServer(runtime, [control, "--take-over"]);
await successor.line("serving");
const successorServing = performance.now() - started;
const oldCode = await old.exited;
const restartEnd = performance.now() - started;
phase = "after";
const doneAt = completed + AFTER;
while (completed < doneAt && completed + failures < MAX_REQUESTS) await new Promise((resolve) => setTimeout(resolve, 10));
stopLoop = true;
await Promise.all(loops);
successor.child.kill("SIGTERM");
const successorCode = await successor.exited;
clearTimeout(watchdog);
rmSync(dir, { recursive: true, force: true });

/**
 * Answered requests per second between two instants (ms since start).
 * @param {number} from
 * @param {number} to
 */
const rate = (from, to) => (to > from ? Math.round((times.filter((t) => t >= from && t < to).length * 1000) / (to - from)) : 0);
const result = {
  runtime,
  clients,
  completed,
  failures,
  errors,
  servers: Object.fromEntries(answeredBy),
  oldExitCode: oldCode,
  successorExitCode: successorCode,
  // From starting the new process until it serves, and until the old one has exited.
  takeoverMs: Math.round(successorServing - restartStart),
  restartMs: Math.round(restartEnd - restartStart),
  connectionsPerSecond: {
    before: rate(0, restartStart),
    during: rate(restartStart, restartEnd),
    after: rate(restartEnd, times.at(-1) ?? restartEnd),
  },
};
console.log(JSON.stringify(result));
const bothAnswered = answeredBy.size >= 2;
process.exit(failures === 0 && bothAnswered && oldCode === 0 ? 0 : 1);
