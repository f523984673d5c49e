/**
 * A vitest setup file (every run, see vitest.config.ts): when scripts/test-all.mjs says which
 * runtime a run is for (PORTIO_EXPECTED_RUNTIME: node, bun, deno), every test file first checks
 * that its worker really is that runtime, so a run can never pass on Node while claiming Bun or
 * Deno (`bun run vitest` without `--bun`, for instance, starts vitest and its workers on Node, as the
 * CLI's `#!/usr/bin/env node` line says).
 */
const expected = process.env.PORTIO_EXPECTED_RUNTIME;
const actual = "Deno" in globalThis ? "deno" : process.versions.bun ? "bun" : "node";
if (expected && expected !== actual) {
  throw new Error(`this run is for ${expected}, but the vitest worker runs on ${actual} (${process.execPath})`);
}
