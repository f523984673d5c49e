import { setBackend } from "@portio/core";
import { equal } from "./assert.ts";
import type { CaseDefinition } from "./case.ts";
import { suites } from "./cases/index.ts";
import { CaseScope } from "./context.ts";
import { probeEnvironment, type Environment } from "./environment.ts";
import type { ConformanceCase, ConformanceHarness, ConformanceRunner } from "./harness.ts";
import { describeFdChange } from "./support/fd-change.ts";
import { runtimeFdsSettled } from "./support/runtime-fds.ts";
import { settledCount } from "./support/settled-count.ts";

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The conformance cases bound to `harness`, each with its skip reason if it does not run here.
 * Probes the machine first (is `::1` bindable, do abstract Unix names work) through the backend.
 * Use this with a runner that {@link registerConformance} does not fit.
 *
 * @throws Error if `harness.skip` names an unknown case or gives an empty reason
 * @example
 * ```ts
 * const cases = await conformanceCases(harness);
 * for (const c of cases) {
 *   if (c.skip !== undefined) console.log(`skip ${c.id}: ${c.skip}`);
 *   else await c.run();
 * }
 * ```
 */
export async function conformanceCases(harness: ConformanceHarness): Promise<ConformanceCase[]> {
  const environment = await probeEnvironment(harness);
  const timeoutMs = harness.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cases = suites.flatMap((suite) =>
    suite.cases.map((definition): ConformanceCase => {
      const id = `${suite.suite}/${definition.name}`;
      const skip = harness.skip?.[id] ?? missingCapability(definition, environment);
      return {
        id,
        suite: suite.suite,
        name: definition.name,
        description: definition.description,
        ...(skip === undefined ? {} : { skip }),
        timeoutMs: timeoutMs * (definition.timeoutScale ?? 1),
        run: () => runCase(harness, environment, definition),
      };
    }),
  );
  checkSkips(harness, cases);
  return cases;
}

/**
 * Registers every case with a test runner: one `describe` per suite inside one for the runtime,
 * skipped cases with their reasons. Call it at the top level of a test module (with top-level
 * `await`, which vitest, Deno and Bun all support).
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { registerConformance } from "@portio/testkit";
 *
 * await registerConformance(harness, {
 *   describe,
 *   test: (name, fn, timeoutMs) => it(name, fn, timeoutMs),
 *   skip: (name, reason) => it.skip(`${name} (skipped: ${reason})`, () => {}),
 * });
 * ```
 */
export async function registerConformance(harness: ConformanceHarness, runner: ConformanceRunner): Promise<ConformanceCase[]> {
  const cases = await conformanceCases(harness);
  runner.describe(`portio conformance: ${harness.backend.name} backend on ${harness.runtime}`, () => {
    for (const suite of new Set(cases.map((c) => c.suite))) {
      runner.describe(suite, () => {
        for (const c of cases.filter((candidate) => candidate.suite === suite)) {
          if (c.skip !== undefined) runner.skip(c.name, c.skip);
          else runner.test(c.name, c.run, c.timeoutMs);
        }
      });
    }
  });
  return cases;
}

async function runCase(harness: ConformanceHarness, environment: Environment, definition: CaseDefinition): Promise<void> {
  setBackend(harness.backend);
  if (harness.countOpenFds) await runtimeFdsSettled();
  const before = harness.countOpenFds ? await harness.countOpenFds() : undefined;
  const targetsBefore = before === undefined ? undefined : harness.openFdTargets?.();
  const scope = new CaseScope(harness, environment);
  let failure: { error: unknown } | undefined;
  try {
    await definition.run(scope);
  } catch (error) {
    failure = { error };
  }
  try {
    await scope.close();
  } catch (error) {
    failure ??= { error };
  }
  // The case's own failure matters more than any fd it left behind because of it.
  if (failure) throw failure.error;
  if (before !== undefined) {
    const after = await settledFdCount(harness, before);
    if (after !== before && targetsBefore !== undefined && harness.openFdTargets !== undefined) {
      const change = describeFdChange(targetsBefore, harness.openFdTargets());
      equal(after, before, `open fds after the case (fd leak: ${after - before} more than before: ${change})`);
    }
    equal(after, before, `open fds after the case (fd leak: ${after - before} more than before)`);
  }
}

/**
 * The open-fd count once the runtime has finished closing what the case closed. Some runtimes
 * release an fd a few event-loop turns after the close they report (Bun's socket close and its
 * child-process pipes), so a count that differs is read again for a short, bounded while; a real
 * leak stays and still fails the case.
 */
function settledFdCount(harness: ConformanceHarness, expected: number): Promise<number> {
  return settledCount(() => harness.countOpenFds!(), expected);
}

function missingCapability(definition: CaseDefinition, environment: Environment): string | undefined {
  for (const capability of definition.requires ?? []) {
    const reason = environment.missing[capability];
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function checkSkips(harness: ConformanceHarness, cases: readonly ConformanceCase[]): void {
  const ids = new Set(cases.map((c) => c.id));
  for (const [id, reason] of Object.entries(harness.skip ?? {})) {
    if (!ids.has(id)) throw new Error(`harness.skip names an unknown conformance case: ${JSON.stringify(id)}`);
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new Error(`harness.skip[${JSON.stringify(id)}] needs a written reason`);
    }
  }
}
