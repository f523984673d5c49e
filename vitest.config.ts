import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type UserConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Every workspace package under packages/ and backends/ → its sources: each export's
 * "portio-source" target (docs/design.md, "Packages and resolution"), for the umbrella `portio`
 * the Node entry (which registers the Node backend). New packages and subpaths (e.g.
 * `@portio/core/backend`, `@portio/libc-socket/testing`) are picked up without editing this file.
 */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  type Target = string | { [condition: string]: Target };
  const source = (target: Target | undefined): string | undefined =>
    typeof target === "string" ? target : target === undefined ? undefined : source(target["portio-source"] ?? target.default);
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ["packages", "backends"]) {
    for (const dir of readdirSync(src(`./${group}`), { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      const manifest = src(`./${group}/${dir.name}/package.json`);
      if (!existsSync(manifest)) continue;
      const { name, exports } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; exports?: Record<string, Target> };
      if (name === undefined || exports === undefined) continue;
      if (name !== "portio" && !name.startsWith("@portio/")) continue;
      for (const [subpath, target] of Object.entries(exports)) {
        const entry = source(target);
        if (entry === undefined || !entry.endsWith(".ts")) continue;
        const specifier = `${name}${subpath.slice(1)}`;
        const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        aliases.push({ find: new RegExp(`^${escaped}$`), replacement: src(`./${group}/${dir.name}/${entry}`) });
      }
    }
  }
  return aliases;
}

/**
 * What every run shares, whichever runtime starts vitest (Node, or Bun and Deno for a package's
 * own runtime runs: vitest's workers are then that runtime's processes).
 *
 * Tests run from source: the workspace packages are aliased to their sources, so that no
 * build is needed and, above all, there is exactly ONE copy of `@portio/core` in a test process
 * (the backend registry is a module singleton and the error classes must be `instanceof`-equal
 * whether a test imports them from core, the backend, the testkit or the umbrella).
 *
 * @param include the test files, relative to the folder vitest runs in
 */
export function portioTestConfig(include: string[]): UserConfig {
  return {
    resolve: {
      // @portio/core, @portio/testkit, @portio/node, @portio/libc-socket, ... and portio
      alias: workspaceAliases(),
    },
    test: {
      include,
      // Each test file's worker checks it runs in the runtime the run is for.
      setupFiles: [src("./scripts/vitest-runtime-check.ts")],
      exclude: ["**/node_modules/**", "**/dist/**"],
      // Socket tests wait on real I/O; 20 s leaves room on a loaded 2-core CI machine.
      testTimeout: 20_000,
      hookTimeout: 20_000,
      teardownTimeout: 10_000,
      // Child processes rather than worker threads: each test file gets its own process, so fd
      // accounting (leak checks via /proc/self/fd) and process-wide state stay per file.
      pool: "forks",
      // Two cores. Socket tests mostly wait on I/O, but more workers only add scheduling noise.
      maxWorkers: 2,
      watch: false,
    },
  };
}

/**
 * The whole Node suite. `scripts/test-all.mjs` runs it once per Node major (the machine's Node 20
 * and the pinned `node` package), each time by starting vitest's own entry under that binary; the
 * forked test workers inherit it (`process.execPath`).
 */
export default defineConfig(
  portioTestConfig(["packages/*/test/**/*.test.ts", "backends/node/test/**/*.test.ts", "test/**/*.test.ts"]),
);
