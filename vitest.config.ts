import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Every workspace package under packages/ and backends/ → its source entry: `src/index.ts`, or
 * for the umbrella `portio` its Node entry `src/node.ts` (which registers the Node backend). New
 * packages (e.g. @portio/libc-socket) are picked up without editing this file.
 */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ["packages", "backends"]) {
    for (const dir of readdirSync(src(`./${group}`), { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      const manifest = src(`./${group}/${dir.name}/package.json`);
      if (!existsSync(manifest)) continue;
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === undefined) continue;
      if (name !== "portio" && !name.startsWith("@portio/")) continue;
      const entry = src(`./${group}/${dir.name}/src/${name === "portio" ? "node" : "index"}.ts`);
      const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      aliases.push({ find: new RegExp(`^${escaped}$`), replacement: entry });
      // A package's test-support entry (`@portio/libc-socket/testing`), where it has one.
      const testing = src(`./${group}/${dir.name}/src/testing/index.ts`);
      if (existsSync(testing)) aliases.push({ find: new RegExp(`^${escaped}/testing$`), replacement: testing });
    }
  }
  return aliases;
}

/**
 * The whole Node suite. `scripts/test-all.mjs` runs it once per Node major (the machine's Node 20
 * and the pinned `node` package), each time by starting vitest's own entry under that binary; the
 * forked test workers inherit it (`process.execPath`).
 *
 * Tests run from source: the workspace packages are aliased to their `src/index.ts`, so that no
 * build is needed and, above all, there is exactly ONE copy of `@portio/core` in a test process
 * (the backend registry is a module singleton and the error classes must be `instanceof`-equal
 * whether a test imports them from core, the backend, the testkit or the umbrella).
 */
export default defineConfig({
  resolve: {
    // @portio/core, @portio/testkit, @portio/node, @portio/libc-socket, ... and portio
    alias: workspaceAliases(),
  },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "backends/node/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
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
});
