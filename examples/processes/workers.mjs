// Multi-process serving: this process opens one TCP listener and hands it (SCM_RIGHTS over a Unix
// control socket) to worker processes of mixed runtimes; all of them serve() it and the kernel
// spreads the connections among them. It then sends a bounded number of requests, prints which
// worker answered each, stops the workers and exits 0 when every request was answered.
//
//   node examples/processes/workers.mjs [RUNTIMES] [REQUESTS]   (after `pnpm run build`)
//   RUNTIMES: comma-separated, default node,bun,deno — one worker each
// @ts-check
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SocketAttribute, connectTcp, createTcpListener, offerSocket } from "portio";
import { commandFor } from "./runtimes.mjs";

const runtimes = /** @type {Array<"node" | "bun" | "deno">} */ ((process.argv[2] ?? "node,bun,deno").split(","));
const requests = Number(process.argv[3] ?? 30);
const dir = mkdtempSync(join(tmpdir(), "portio-workers-"));
const control = join(dir, "control.sock");

const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
const port = listener.extra(SocketAttribute.localPort);
const stopOffering = new AbortController();
let handedOver = 0;
/** @type {() => void} */
let everyWorkerHasIt = () => {};
const allTaken = new Promise((resolve) => (everyWorkerHasIt = () => resolve(undefined)));
const offering = offerSocket(control, listener, {
  signal: stopOffering.signal,
  onHandedOver: () => ++handedOver === runtimes.length && everyWorkerHasIt(),
});

const workers = runtimes.map((runtime) => {
  const [command, args] = commandFor(runtime, "worker.mjs", [control]);
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  const serving = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("serving") && resolve(undefined));
    child.once("exit", (code) => reject(new Error(`the ${runtime} worker exited (${code}) before serving`)));
  });
  return { runtime, child, serving };
});

const watchdog = setTimeout(() => {
  console.error("workers: timed out");
  process.exit(2);
}, 60_000);
await allTaken;
await Promise.all(workers.map((worker) => worker.serving));
stopOffering.abort();
await offering;
// The primary serves nothing itself: every connection goes to a worker.
await listener.aclose();
console.log(`primary: port ${port} handed to ${runtimes.join(", ")}`);

const answeredBy = new Map();
let failures = 0;
for (let i = 0; i < requests; i++) {
  try {
    const stream = await connectTcp("127.0.0.1", port);
    await stream.send(new TextEncoder().encode("ping\n"));
    const line = new TextDecoder().decode(await stream.receive(100, { signal: AbortSignal.timeout(10_000) })).trim();
    await stream.aclose();
    const runtime = line.split(" ")[1];
    answeredBy.set(runtime, (answeredBy.get(runtime) ?? 0) + 1);
  } catch (error) {
    failures++;
    console.error("request failed:", error);
  }
}
for (const { child } of workers) child.kill("SIGTERM");
await Promise.all(
  workers.map(
    ({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve))),
  ),
);
clearTimeout(watchdog);
rmSync(dir, { recursive: true, force: true });
console.log(
  `primary: ${requests - failures}/${requests} answered; by runtime: ${JSON.stringify(Object.fromEntries(answeredBy))}`,
);
process.exit(failures === 0 ? 0 : 1);
