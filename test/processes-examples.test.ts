/**
 * Runs the examples of examples/processes as CI would run them by hand: multi-process serving over
 * one listener handed to workers on Node, Bun and Deno, and a zero-downtime restart onto each
 * runtime with a client loop that must see no refused, reset or unanswered connection. The
 * examples import "portio", so they run on the built packages (`pnpm test` builds first).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${root}examples/processes/${script}`, ...args],
      { timeout: 100_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("examples/processes", () => {
  it("workers.mjs: one listener served by a Node, a Bun and a Deno worker answers every request", async () => {
    const { code, stdout, stderr } = await run("workers.mjs", ["node,bun,deno", "30"]);
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toContain("handed to node, bun, deno");
    expect(stdout).toContain("30/30 answered");
  }, 110_000);

  it.each(["node", "bun", "deno"])(
    "restart.mjs: a Node server restarts onto %s with no refused or reset connection",
    async (runtime) => {
      const { code, stdout, stderr } = await run("restart.mjs", [runtime, "4"]);
      expect(code, stderr + stdout).toBe(0);
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
        failures: number;
        servers: Record<string, number>;
        completed: number;
      };
      expect(result.failures).toBe(0);
      // Both the old and the new process answered, the new one on the runtime asked for.
      const servers = Object.keys(result.servers);
      expect(servers.some((name) => name.startsWith("node "))).toBe(true);
      expect(servers.some((name) => name.startsWith(`${runtime} `) && servers.length === 2)).toBe(true);
    },
    110_000,
  );
});
