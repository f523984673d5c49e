import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // Neutral, not "node": the bundle runs on Deno and Bun too, whose node:* modules it imports.
  platform: "neutral",
  // Bundling core or the libc module would give this package its own copies of their classes, and
  // `instanceof ClosedResourceError` (or a shared reactor) across the copies would fail: tsup
  // keeps the package.json dependencies external (and the testkit, imported for its types only,
  // stays an import).
  external: [/^node:/],
});
