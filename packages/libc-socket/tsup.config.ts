import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // tsup keeps every package.json dependency (core) external: bundling core would give this
  // package its own copy of the error classes, and `instanceof ClosedResourceError` across the
  // two copies would fail.
});
