import { defineConfig } from "vitest/config";
import { portioTestConfig } from "../../vitest.config.ts";

// Core is runtime-free: its unit tests also run with vitest started under Bun and Deno
// (package.json "test:bun" / "test:deno"), whose forked workers are then Bun / Deno processes.
// On Node they are part of the root suite.
export default defineConfig(portioTestConfig(["test/**/*.test.ts"]));
