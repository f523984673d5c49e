/** Deno's node:tls over a portio stream: the checks Node and Bun run too. */
import { tlsPumpChecks } from "@portio/node-shared/testing";
import { leakFree } from "./harness.ts";

for (const check of tlsPumpChecks) leakFree(`node:tls over a portio stream > ${check.name}`, () => check.run());
