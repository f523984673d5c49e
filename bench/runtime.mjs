// @ts-check
// What several benchmark scripts share, whatever runtime runs them (Node, Bun or Deno): options,
// statistics, CPU pinning, and starting a script of this folder in a child process of the same
// runtime.
import { spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

/** "node" | "bun" | "deno": the runtime running this script. */
export const runtimeName = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** This runtime's raw API module for bench/main.mjs: its own socket API where it has one. */
export const rawModule = { node: "./raw.mjs", bun: "./raw-bun.mjs", deno: "./raw-deno.mjs" }[runtimeName];

/**
 * The floors of bench/main.mjs on this runtime ("raw-awaited": the raw API held to an awaited
 * API's contract): Node's serves ping-pong and churn, Bun's churn (Bun's ping-pong floor is in
 * bun-main.mjs), Deno's ping-pong. main.mjs runs a floor on the jobs its module exports.
 */
export const rawAwaitedModule = { node: "./raw-awaited.mjs", bun: "./raw-awaited-bun.mjs", deno: "./raw-deno-awaited.mjs" }[
  runtimeName
];

/** `name version`, e.g. "deno 2.9.6", for report headers. */
export const runtimeLabel =
  runtimeName === "deno"
    ? `deno ${/** @type {any} */ (globalThis).Deno.version.deno}`
    : runtimeName === "bun"
      ? `bun ${/** @type {any} */ (globalThis).Bun.version}`
      : `node ${process.version}`;

/** `--name value` from the command line, else `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The command that runs `script` (a file next to this one) under the runtime running this
 * process: Deno needs its `run` subcommand and permissions, Node and Bun take the file directly.
 * @returns {[string, string[]]}
 */
export function selfCommand(script, args = []) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const runtimeArgs = runtimeName === "deno" ? ["run", "--allow-all", "--no-lock", "--unstable-net"] : [];
  return [process.execPath, [...runtimeArgs, path, ...args]];
}

// CPU pinning (Linux taskset). Unpinned, 64 B ping-pong on 2 cores is bimodal: ~40k rt/s when
// the scheduler puts client and server on the same core, ~14k when on different cores, and it
// flips between rounds. "split" (default where taskset and 2+ CPUs exist): the measuring process
// on CPU 0, its peers on CPU 1. "same": everything on CPU 0. "none": no pinning.
const canPin = cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;

/** Pins this process as `--pin` says (default "split" where possible) and returns the mode. */
export function pinSelf(mode = option("pin", canPin ? "split" : "none")) {
  if (mode !== "none") {
    if (!canPin) throw new Error("--pin needs taskset and 2 CPUs");
    spawnSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
  }
  return mode;
}

/** Spawns [cmd, args] as a peer of the measuring process, pinned as `pin` says. */
export function spawnPeer([cmd, args], pin, options = {}) {
  if (pin === "none") return spawn(cmd, args, options);
  return spawn("taskset", ["-c", pin === "split" ? "1" : "0", cmd, ...args], options);
}

/**
 * Peak resident set size of this process so far, in bytes (Linux VmHWM). Every runtime reads it
 * the same way, so the figures compare.
 */
export async function peakRss() {
  const { readFileSync } = await import("node:fs");
  const status = readFileSync("/proc/self/status", "utf8");
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error("no VmHWM in /proc/self/status");
  return Number(match[1]) * 1024;
}

/** Current resident set size of this process, in bytes (Linux VmRSS). */
export async function currentRss() {
  const { readFileSync } = await import("node:fs");
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (!match) throw new Error("no VmRSS in /proc/self/status");
  return Number(match[1]) * 1024;
}
