/**
 * docs/memory-backend.md shows the retry example for Deno.test and bun:test too. Those versions
 * (runtime-tests/deno, runtime-tests/bun) need their runtime's own runner, which cannot run inside
 * vitest: this file, run by vitest inside Bun and inside Deno, starts that runner on them in a
 * child process of the same runtime and requires every one of their tests to pass.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const runtime = "Deno" in globalThis ? "deno" : process.versions.bun ? "bun" : undefined;

/** The runner's command line, and how its summary says how many tests passed and failed. */
const runners = {
  deno: {
    args: [
      "test",
      "--quiet",
      "--no-config",
      "--no-lock",
      "--no-check",
      "--node-modules-dir=manual",
      "--conditions=portio-source",
      "-A",
      "runtime-tests/deno/",
    ],
    summary: /(?:ok|FAILED) \| (\d+) passed \| (\d+) failed/,
  },
  bun: {
    args: ["test", "--conditions", "portio-source", "./runtime-tests/bun"],
    summary: /^\s*(\d+) pass\s*\n\s*(\d+) fail\s*$/m,
  },
};

function runOwnRunner(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: packageDir,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", FORCE_COLOR: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

it.skipIf(runtime === undefined)(
  `the docs example's own-runner version passes (runtime-tests/${runtime}; Deno and Bun only: Node has no other runner to show)`,
  async () => {
    const runner = runners[runtime!];
    const { code, output } = await runOwnRunner(runner.args);
    const counts = runner.summary.exec(output);
    expect(counts, output).not.toBeNull();
    expect({ code, passed: Number(counts![1]), failed: Number(counts![2]) }, output).toEqual({ code: 0, passed: 3, failed: 0 });
  },
);
