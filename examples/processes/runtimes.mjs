// How to start a script of this folder on each runtime: the pinned binaries of the workspace
// (node_modules/.bin/bun, node_modules/deno/deno) or else whatever is on PATH.
// @ts-check
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
/**
 * @param {string} path
 * @param {string} fallback
 */
const pinned = (path, fallback) => (existsSync(root + path) ? root + path : fallback);

/**
 * The command line that runs `script` (a file of this folder) with `args` on `runtime`.
 * Deno needs --allow-ffi (handed-over sockets are driven through libc) besides net and the files.
 * @param {"node" | "bun" | "deno"} runtime
 * @param {string} script
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
export function commandFor(runtime, script, args) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  if (runtime === "node") return [process.execPath, [file, ...args]];
  if (runtime === "bun") return [pinned("node_modules/.bin/bun", "bun"), [file, ...args]];
  return [
    pinned("node_modules/deno/deno", "deno"),
    ["run", "--no-prompt", "--allow-net", "--allow-read", "--allow-write", "--allow-ffi", "--allow-env", file, ...args],
  ];
}

/** The runtime this script runs on. */
export function currentRuntime() {
  const scope = /** @type {{ Deno?: unknown, Bun?: unknown }} */ (globalThis);
  return scope.Deno ? "deno" : scope.Bun ? "bun" : "node";
}

/** Command-line arguments on every runtime. */
export function scriptArgs() {
  const deno = /** @type {{ Deno?: { args: string[] } }} */ (globalThis).Deno;
  return deno ? deno.args : process.argv.slice(2);
}
