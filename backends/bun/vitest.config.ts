import { defineConfig } from "vitest/config";
import { portioTestConfig } from "../../vitest.config.ts";

// Started under Bun (package.json "test"): vitest's forked workers are Bun processes.
export default defineConfig(portioTestConfig(["test/**/*.test.ts"]));
