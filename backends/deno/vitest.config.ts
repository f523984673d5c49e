import { defineConfig } from "vitest/config";
import { portioTestConfig } from "../../vitest.config.ts";

// Started under Deno (package.json "test"): vitest's forked workers are Deno processes.
export default defineConfig(portioTestConfig(["test/**/*.test.ts"]));
