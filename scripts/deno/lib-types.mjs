#!/usr/bin/env node
// Writes the Deno namespace's type declarations (`deno types`, from the pinned deno binary) to the
// file given as argument, for tsc: @portio/deno's declaration build (backends/deno/tsup.config.ts)
// needs `Deno.*`, which only Deno itself knows. The `/// <reference lib="deno.*">` lines name libs
// that exist only inside Deno; tsc's own ES and DOM libs stand in for them.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const out = process.argv[2];
if (!out) throw new Error("usage: lib-types.mjs <output .d.ts>");
const deno = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules", "deno", "deno");
const types = execFileSync(deno, ["types"], {
  encoding: "utf8",
  env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  maxBuffer: 64 << 20,
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, types.replace(/^\/\/\/ <reference [^\n]*\n/gm, ""));
