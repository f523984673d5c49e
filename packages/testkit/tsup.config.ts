import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // One copy of core per process (the backend under test registers itself in it): tsup keeps the
  // package.json dependency external.
});
