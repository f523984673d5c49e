import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "node",
  // Core is a peer in the workspace: bundling it would give the backend its own copy of the
  // registry and error classes, and `instanceof` across the two copies would fail.
  external: ["@portio/core", "@portio/libc-socket", "@portio/node-compat"],
});
