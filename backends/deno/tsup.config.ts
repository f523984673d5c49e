import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  // JavaScript and declarations for npm: Deno refuses to strip types under node_modules, so the
  // npm package must not send Deno to .ts files. JSR publishes the sources (jsr.json).
  dts: true,
  tsconfig: "tsconfig.build.json",
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  // The package.json dependencies (core, ...) stay external by tsup's default; node:* is Deno's own.
  external: [/^node:/],
});
