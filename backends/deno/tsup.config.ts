import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  // Deno consumers take the TypeScript sources (JSR, or the "deno" export condition); the bundle
  // is for tools that want JavaScript. Its types are the sources': tsc cannot emit declarations
  // without Deno's namespace, which only `deno check` knows (see tsconfig.json).
  dts: false,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  external: ["@portio/core", "@portio/libc-socket", "@portio/node-compat", /^node:/],
});
