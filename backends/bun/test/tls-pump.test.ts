/** Bun's node:tls over a portio stream: the checks Node and Deno run too. */
import { beforeAll, describe, test } from "vitest";
import { setBackend } from "@portio/core";
import { bunBackend } from "@portio/bun";
import { tlsPumpChecks } from "@portio/node-shared/testing";
import { countFds, expectFdCount } from "./helpers.ts";

beforeAll(() => setBackend(bunBackend));

describe("node:tls over a portio stream", () => {
  for (const check of tlsPumpChecks) {
    test(check.name, async () => {
      // The first run is not counted: Bun opens an epoll and an eventfd of its own (kept for
      // the process) the first time node:tls runs over a JS stream; later runs open none.
      await check.run();
      const before = countFds();
      await check.run();
      await expectFdCount(before);
    }, 30_000);
  }
});
