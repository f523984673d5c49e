import { defineConfig } from "tsup";

export default defineConfig({
  // One entry per export condition (see package.json "exports"); "default" is the Node entry.
  entry: ["src/node.ts", "src/deno.ts", "src/bun.ts", "src/node-stream.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // No shared chunks: with splitting, esbuild moves `export * from "@portio/core"` (an external)
  // into the chunk and the entries end up exporting nothing. Each entry is a few lines anyway.
  splitting: false,
  // Core and the backends stay external (tsup leaves every package.json dependency out): there
  // must be exactly one copy of core's backend registry and error classes in a process, or
  // `instanceof` and `setBackend` break.
});
