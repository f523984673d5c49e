/** Bun's node:tls over a portio stream: the checks Node and Deno run too. */
import { beforeAll, describe, test } from "vitest";
import { setBackend } from "@portio/core";
import { bunBackend } from "@portio/bun";
import { tlsPumpChecks } from "@portio/node-shared/testing";

beforeAll(() => setBackend(bunBackend));

describe("node:tls over a portio stream", () => {
  for (const check of tlsPumpChecks) test(check.name, () => check.run(), 30_000);
});
