/** The guide's examples are the test files CI runs: their code must not drift apart. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
/** The block from `start` to the first line that is exactly `end`, both included. */
function block(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  expect(from, `"${start}" in the text`).toBeGreaterThanOrEqual(0);
  const to = text.indexOf(`\n${end}\n`, from);
  return text.slice(from, to + end.length + 1);
}

describe("docs/memory-backend.md", () => {
  const guide = read("../../../docs/memory-backend.md");

  it("its vitest example is test/retry-example.test.ts", () => {
    const start = 'describe("fetchGreeting retries"';
    expect(block(guide, start, "});")).toBe(block(read("./retry-example.test.ts"), start, "});"));
  });

  it("its Deno.test and bun:test examples are tests of runtime-tests/", () => {
    for (const [runtime, start] of [
      ["deno", 'Deno.test("fetchGreeting: a reset in the middle'],
      ["bun", 'test("fetchGreeting: a server that stops answering'],
    ] as const) {
      expect(block(guide, start, "});")).toBe(block(read(`../runtime-tests/${runtime}/retry-example.test.ts`), start, "});"));
    }
  });

  it("its fetchGreeting is example/greeting-client.ts, but for the isRetryable comment", () => {
    const start = "export async function fetchGreeting(";
    const withoutComment = (code: string) => code.replace(/ +\/\/ ConnectionFailed.*$/m, "");
    expect(withoutComment(block(guide, start, "}"))).toBe(block(read("../example/greeting-client.ts"), start, "}"));
  });
});
