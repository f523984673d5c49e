/** toNodeDuplex on Node (Deno and Bun run the same checks in backends/deno/test and backends/bun/test). */
import { beforeAll, describe, it } from "vitest";
import { setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { nodeDuplexChecks } from "@portio/node-shared/testing";

beforeAll(() => setBackend(nodeBackend));

describe("toNodeDuplex", () => {
  for (const check of nodeDuplexChecks) it(check.name, () => check.run());
});
