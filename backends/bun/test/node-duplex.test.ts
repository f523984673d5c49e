/** toNodeDuplex inside Bun (its node:stream and node:http): the checks Node and Deno run too. */
import { beforeAll, describe, test } from "vitest";
import { setBackend } from "@portio/core";
import { bunBackend } from "@portio/bun";
import { nodeDuplexChecks } from "@portio/node-shared/testing";

beforeAll(() => setBackend(bunBackend));

describe("toNodeDuplex", () => {
  for (const check of nodeDuplexChecks) test(check.name, () => check.run(), 30_000);
});
