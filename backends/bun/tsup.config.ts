import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "node",
  // tsup keeps the package.json dependencies (core, ...) external: bundling core would give the
  // backend its own copy of the registry and error classes. Bun's modules exist only inside Bun.
  external: ["bun", "bun:ffi"],
});
