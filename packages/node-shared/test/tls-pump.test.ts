/** node:tls over a portio stream on Node (Deno and Bun run the same checks in backends/deno/test and backends/bun/test). */
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { setBackend } from "@portio/core";
import { nodeBackend } from "@portio/node";
import { tlsPumpChecks } from "@portio/node-shared/testing";
import { runtimeFdsSettled } from "@portio/testkit";

const openFdCount = (): number => readdirSync("/proc/self/fd").length;

beforeAll(() => setBackend(nodeBackend));

describe("node:tls over a portio stream", () => {
  for (const check of tlsPumpChecks) {
    it(check.name, async () => {
      // Node 24's root-certificate thread (started when node:tls loads) holds an fd for a moment.
      await runtimeFdsSettled();
      const before = openFdCount();
      await check.run();
      // Node has closed each fd by the time its close resolved (the streams' aclose awaits it).
      expect(openFdCount(), "open fds after the check").toBe(before);
    });
  }
});
