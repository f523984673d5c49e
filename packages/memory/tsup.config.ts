import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "node-tls": "src/node-tls.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // Neutral: the main entry uses web-standard APIs only; node-tls imports node:tls, which Node, Deno
  // and Bun all provide.
  platform: "neutral",
  // One copy of core's registry and error classes per process: tsup keeps the package.json
  // dependencies external (and the testkit, imported for its types only, stays an import).
  external: [/^node:/],
});
