/**
 * Preload for `bun test` (scripts/test-all.mjs passes it with `--preload`).
 *
 * Bun's test runner already maps `import { describe, it, expect, vi } from "vitest"` to
 * `bun:test`, so the vitest-style test files run unchanged. What this adds: the workspace
 * packages resolve to their TypeScript sources (as in the root vitest.config.ts), so no build is
 * needed and there is exactly one copy of `@portio/core` in the process.
 */
import { plugin } from "bun";

const root = new URL("../../", import.meta.url).pathname;
const sources: Record<string, string> = {
  "@portio/core": `${root}packages/core/src/index.ts`,
  "@portio/testkit": `${root}packages/testkit/src/index.ts`,
};

plugin({
  name: "portio-workspace-sources",
  setup(build) {
    build.onResolve({ filter: /^@portio\/(core|testkit)$/ }, (args) => ({ path: sources[args.path]! }));
  },
});
