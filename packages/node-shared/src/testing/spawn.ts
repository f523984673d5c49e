/**
 * Child processes for the conformance cases that need a peer in another process, over
 * node:child_process (which Node, Bun and Deno all provide).
 * @module
 */
import { spawn } from "node:child_process";
import type { SpawnedProcess } from "@portio/testkit";

/**
 * Starts `command` with `args`, writes `stdin` to it and closes its stdin; stderr is passed
 * through so that a failing peer says why.
 *
 * @example
 * ```ts
 * const peer = await spawnProcess("python3", ["-c", "print(42)"]);
 * console.log(await peer.readLine()); // "42"
 * await peer.kill();
 * ```
 */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: { stdin?: string } = {},
): Promise<SpawnedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise<void>((done) => child.once("close", () => done()));
    const lines: string[] = [];
    const waiting: Array<(line: string | null) => void> = [];
    let partial = "";
    let ended = false;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      partial += text;
      for (let newline = partial.indexOf("\n"); newline >= 0; newline = partial.indexOf("\n")) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        const waiter = waiting.shift();
        if (waiter) waiter(line);
        else lines.push(line);
      }
    });
    child.stdout!.on("end", () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter(null);
    });
    child.once("error", reject);
    child.once("spawn", () => {
      child.stdin!.end(options.stdin ?? "");
      resolve({
        readLine: () => {
          if (lines.length > 0) return Promise.resolve(lines.shift()!);
          if (ended) return Promise.resolve(null);
          return new Promise((done) => waiting.push(done));
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      });
    });
  });
}
