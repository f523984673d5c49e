/** toNodeDuplex inside Deno (its node:stream and node:http): the checks Node and Bun run too. */
import { setBackend } from "@portio/core";
import { denoBackend } from "@portio/deno";
import { nodeDuplexChecks } from "@portio/node-compat/testing";

for (const check of nodeDuplexChecks) {
  Deno.test({
    name: `toNodeDuplex > ${check.name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => {
      setBackend(denoBackend);
      return check.run();
    },
  });
}
