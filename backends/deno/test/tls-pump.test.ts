/** Deno's node:tls over a portio stream: the checks Node and Bun run too. */
import { setBackend } from "@portio/core";
import { denoBackend } from "@portio/deno";
import { tlsPumpChecks } from "@portio/node-shared/testing";
import { it } from "vitest";

for (const check of tlsPumpChecks) {
  it(`node:tls over a portio stream > ${check.name}`, () => {
    setBackend(denoBackend);
    return check.run();
  });
}
