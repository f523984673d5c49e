/** node:tls over a portio stream on Node (Deno and Bun run the same checks in backends/deno/test and backends/bun/test). */
import { beforeAll, describe, it } from "vitest";
import { setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { tlsPumpChecks } from "@portio/node-shared/testing";

beforeAll(() => setBackend(nodeBackend));

describe("node:tls over a portio stream", () => {
  for (const check of tlsPumpChecks) it(check.name, () => check.run());
});
