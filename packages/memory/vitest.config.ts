import { defineConfig } from "vitest/config";
import { portioTestConfig } from "../../vitest.config.ts";

// The memory backend claims Node, Deno and Bun: its tests (the conformance suite included) also
// run with vitest started under Bun and Deno (package.json "test:bun" / "test:deno"), plus the
// docs example's own-runner versions (runtime-tests/own-runner.test.ts). On Node they are part of
// the root suite.
export default defineConfig(portioTestConfig(["test/**/*.test.ts", "runtime-tests/*.test.ts"]));
