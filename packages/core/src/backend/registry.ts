import type { AsyncBackend } from "./backend.ts";

/** The runtimes portio knows. */
export type RuntimeName = "node" | "deno" | "bun" | "unknown";

let current: AsyncBackend | undefined;

/**
 * Registers the backend every portio call dispatches to. `import "portio"` does this for you;
 * call it yourself to use a third-party backend or `@portio/<runtime>` directly.
 *
 * @example
 * ```ts
 * import { setBackend } from "@portio/core";
 * import { nodeBackend } from "@portio/node";
 * setBackend(nodeBackend);
 * ```
 */
export function setBackend(backend: AsyncBackend): void {
  current = backend;
}

/**
 * The registered backend.
 * @throws Error naming the import to add when none is registered
 */
export function getBackend(): AsyncBackend {
  if (current === undefined) {
    const runtime = detectRuntime();
    // `import "portio"` registers the backend itself; importing from @portio/core directly does not.
    const hint =
      runtime === "unknown"
        ? "implement AsyncBackend and call setBackend(yourBackend)"
        : `import the API from "portio" (it registers the ${runtime} backend), or call ` +
          `setBackend(${runtime}Backend) with ${runtime}Backend from "@portio/${runtime}"`;
    throw new Error(`No portio backend is registered (runtime: ${runtime}): ${hint}`);
  }
  return current;
}

/** The registered backend, or `undefined`. */
export function peekBackend(): AsyncBackend | undefined {
  return current;
}

/**
 * Which JavaScript runtime this is, from its own globals.
 *
 * @example
 * ```ts
 * if (detectRuntime() === "deno") console.log("running on Deno");
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: { version?: unknown }; Bun?: unknown; process?: { versions?: { node?: string } } };
  if (typeof g.Deno === "object" && g.Deno?.version !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  if (typeof g.process?.versions?.node === "string") return "node";
  return "unknown";
}
