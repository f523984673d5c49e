/** toNodeDuplex inside Deno (its node:stream and node:http): the checks Node and Bun run too. */
import { setBackend } from "@portio/core";
import { denoBackend } from "@portio/deno";
import { nodeDuplexChecks } from "@portio/node-shared/testing";
import { it } from "vitest";

for (const check of nodeDuplexChecks) {
  it(`toNodeDuplex > ${check.name}`, () => {
    setBackend(denoBackend);
    return check.run();
  });
}
