/**
 * A thin adapter that runs vitest-style test files under `deno test` (scripts/test-all.mjs maps
 * the bare specifier "vitest" here through scripts/deno/import-map.json).
 *
 * vitest's `describe`/`it` need vitest's own runner, but its `expect`, `vi`, `assert` and
 * `expectTypeOf` work standalone, so this module re-exports those from the real vitest package
 * and replaces the collection API with one that registers every test as its own flat
 * `Deno.test` ("suite > sub-suite > test"), so Deno's pass/fail counts are test counts.
 *
 * Supported: describe/suite/it/test with .skip .only .todo .skipIf .runIf .each .concurrent
 * .sequential (concurrent runs sequentially), beforeAll/afterAll/beforeEach/afterEach (including
 * cleanup functions returned by beforeAll/beforeEach), per-test timeouts (default 20 s like the
 * root vitest.config.ts), the test context (task, signal, skip, onTestFinished, onTestFailed,
 * expect) and expect.assertions/hasAssertions. Deno's op/resource sanitizers are off, as vitest
 * has none. Anything else of vitest is re-exported as is.
 */
// deno-lint-ignore-file no-explicit-any
import * as vitest from "npm:vitest";

export * from "npm:vitest";
export const { expect, vi, assert, assertType, expectTypeOf, chai } = vitest as any;

declare const Deno: {
  test(definition: {
    name: string;
    fn: () => Promise<void>;
    ignore?: boolean;
    only?: boolean;
    sanitizeOps?: boolean;
    sanitizeResources?: boolean;
    sanitizeExit?: boolean;
  }): void;
};

const DEFAULT_TIMEOUT = 20_000;

type Hook = (...args: any[]) => unknown;

interface Suite {
  name: string;
  parent: Suite | undefined;
  skip: boolean;
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
  /** cleanups returned by beforeAll hooks */
  allCleanups: Hook[];
  /** registered, not ignored tests in this suite and its children that have not finished yet */
  pending: number;
  started: boolean;
  file: string;
}

const roots = new Map<string, Suite>();
/** The context of the running test (Deno runs the tests of a process one at a time). */
let currentContext: { onTestFinished(hook: Hook): void; onTestFailed(hook: Hook): void } | undefined;
let current: Suite | undefined;

function newSuite(name: string, parent: Suite | undefined, file: string, skip = false): Suite {
  return {
    name,
    parent,
    skip: skip || (parent?.skip ?? false),
    beforeAll: [],
    afterAll: [],
    beforeEach: [],
    afterEach: [],
    allCleanups: [],
    pending: 0,
    started: false,
    file,
  };
}

/** The test file that is calling us, from the stack (Deno runs every test file in one process). */
function callerFile(): string {
  const stack = new Error().stack ?? "";
  const self = import.meta.url;
  for (const line of stack.split("\n").slice(1)) {
    const m = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(line);
    if (m && m[1] !== self && !m[1]!.includes("/node_modules/")) return m[1]!;
  }
  return "unknown";
}

function suiteForCall(): Suite {
  if (current) return current;
  const file = callerFile();
  let root = roots.get(file);
  if (!root) {
    root = newSuite("", undefined, file);
    roots.set(file, root);
  }
  return root;
}

function chain(suite: Suite): Suite[] {
  const out: Suite[] = [];
  for (let s: Suite | undefined = suite; s; s = s.parent) out.unshift(s);
  return out;
}

function fullName(suite: Suite, name: string): string {
  return [...chain(suite).map((s) => s.name).filter(Boolean), name].join(" > ");
}

function format(template: string, args: unknown[], index: number): string {
  let i = 0;
  let out = template.replace(/%[sdifjoO#%]/g, (spec) => {
    if (spec === "%%") return "%";
    if (spec === "%#") return String(index);
    const value = args[i++];
    if (spec === "%d" || spec === "%i") return String(Math.trunc(Number(value)));
    if (spec === "%f") return String(Number(value));
    if (spec === "%j" || spec === "%o" || spec === "%O") return JSON.stringify(value);
    return typeof value === "string" ? value : String(value);
  });
  const first = args[0];
  if (first !== null && typeof first === "object" && !Array.isArray(first)) {
    out = out.replace(/\$([A-Za-z_][\w.]*)/g, (whole, path: string) => {
      let v: any = first;
      for (const key of path.split(".")) v = v?.[key];
      return v === undefined ? whole : typeof v === "string" ? v : JSON.stringify(v);
    });
  }
  return out.replace(/\$#/g, String(index));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} timed out in ${ms}ms`);
      controller?.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runAll(hooks: Hook[], args: unknown[], timeout: number, what: string, cleanups?: Hook[]) {
  for (const hook of hooks) {
    const result = await withTimeout(Promise.resolve(hook(...args)), timeout, what);
    if (typeof result === "function" && cleanups) cleanups.unshift(result as Hook);
  }
}

async function startSuites(suites: Suite[]) {
  for (const s of suites) {
    if (s.started) continue;
    s.started = true;
    await runAll(s.beforeAll, [{ name: s.name }], DEFAULT_TIMEOUT, "beforeAll", s.allCleanups);
  }
}

async function finishSuites(suites: Suite[]) {
  for (const s of [...suites].reverse()) {
    s.pending--;
    if (s.pending === 0 && s.started) {
      await runAll(s.afterAll, [{ name: s.name }], DEFAULT_TIMEOUT, "afterAll");
      await runAll(s.allCleanups, [], DEFAULT_TIMEOUT, "beforeAll cleanup");
    }
  }
}

interface TestOptions {
  skip?: boolean;
  only?: boolean;
  todo?: boolean;
  fails?: boolean;
  timeout?: number;
}

function register(name: string, fn: Hook | undefined, options: TestOptions) {
  const suite = suiteForCall();
  const suites = chain(suite);
  const ignore = Boolean(options.skip || options.todo || suite.skip || !fn);
  if (!ignore) for (const s of suites) s.pending++;
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const title = fullName(suite, name);
  Deno.test({
    name: title,
    ignore,
    only: options.only,
    sanitizeOps: false,
    sanitizeResources: false,
    sanitizeExit: false,
    async fn() {
      const controller = new AbortController();
      const finished: Hook[] = [];
      const failed: Hook[] = [];
      let skipped = false;
      const context = {
        task: { name, fullName: title, file: { name: suite.file } },
        signal: controller.signal,
        expect,
        skip(condition?: boolean) {
          if (condition === false) return;
          skipped = true;
          throw new SkipSignal();
        },
        onTestFinished(hook: Hook) {
          finished.push(hook);
        },
        onTestFailed(hook: Hook) {
          failed.push(hook);
        },
      };
      currentContext = context;
      expect.setState({
        assertionCalls: 0,
        isExpectingAssertions: false,
        isExpectingAssertionsError: null,
        expectedAssertionsNumber: null,
        expectedAssertionsNumberErrorGen: null,
        currentTestName: title,
        testPath: suite.file,
      });
      let error: unknown;
      let ok = true;
      try {
        await startSuites(suites);
        const eachCleanups: Hook[] = [];
        try {
          for (const s of suites) await runAll(s.beforeEach, [context], timeout, "beforeEach", eachCleanups);
          try {
            await withTimeout(Promise.resolve(fn!(context)), timeout, `test "${title}"`, controller);
          } catch (e) {
            if (!(e instanceof SkipSignal)) throw e;
          }
          if (!skipped) checkAssertions();
        } finally {
          const after: Hook[] = [];
          for (const s of [...suites].reverse()) after.push(...s.afterEach);
          await runAll(after, [context], timeout, "afterEach");
          await runAll(eachCleanups, [], timeout, "beforeEach cleanup");
        }
      } catch (e) {
        ok = false;
        error = e;
      }
      if (!ok) await runAll(failed, [context], timeout, "onTestFailed");
      await runAll(finished.reverse(), [context], timeout, "onTestFinished");
      if (!controller.signal.aborted) controller.abort(new Error("test finished"));
      currentContext = undefined;
      await finishSuites(suites);
      if (options.fails) {
        if (ok) throw new Error(`Expected test "${title}" to fail`);
        return;
      }
      if (!ok) throw error;
    },
  });
}

class SkipSignal extends Error {}

function checkAssertions() {
  const state = expect.getState();
  const { assertionCalls, isExpectingAssertions, expectedAssertionsNumber } = state;
  if (expectedAssertionsNumber !== null && assertionCalls !== expectedAssertionsNumber) {
    throw state.expectedAssertionsNumberErrorGen?.() ??
      new Error(`expected number of assertions to be ${expectedAssertionsNumber}, but got ${assertionCalls}`);
  }
  if (isExpectingAssertions && assertionCalls === 0) {
    throw state.isExpectingAssertionsError ?? new Error("expected any number of assertion, but got none");
  }
}

/** Accepts `(name, fn, timeout)`, `(name, fn, options)` and `(name, options, fn)`. */
function parseArgs(a: unknown, b: unknown): { fn: Hook | undefined; options: TestOptions } {
  if (typeof a === "function") {
    return { fn: a as Hook, options: typeof b === "number" ? { timeout: b } : ((b as TestOptions) ?? {}) };
  }
  if (typeof b === "function") {
    return { fn: b as Hook, options: typeof a === "number" ? { timeout: a } : ((a as TestOptions) ?? {}) };
  }
  return { fn: undefined, options: (a as TestOptions) ?? {} };
}

function makeTest(base: TestOptions): any {
  const t: any = (name: string, a?: unknown, b?: unknown) => {
    const { fn, options } = parseArgs(a, b);
    register(String(name), fn, { ...base, ...options });
  };
  t.skip = (name: string, a?: unknown, b?: unknown) => t.skipIf(true)(name, a, b);
  t.only = (name: string, a?: unknown, b?: unknown) => makeTest({ ...base, only: true })(name, a, b);
  t.todo = (name: string) => register(String(name), undefined, { ...base, todo: true });
  t.fails = (name: string, a?: unknown, b?: unknown) => makeTest({ ...base, fails: true })(name, a, b);
  t.concurrent = t;
  t.sequential = t;
  t.skipIf = (condition: unknown) => (condition ? makeTest({ ...base, skip: true }) : t);
  t.runIf = (condition: unknown) => t.skipIf(!condition);
  t.each =
    (cases: unknown[]) =>
    (name: string, a?: unknown, b?: unknown) => {
      const { fn, options } = parseArgs(a, b);
      cases.forEach((c, i) => {
        const args = Array.isArray(c) ? c : [c];
        register(format(String(name), args, i), fn && ((...ctx: unknown[]) => fn(...args, ...ctx)), {
          ...base,
          ...options,
        });
      });
    };
  t.for =
    (cases: unknown[]) =>
    (name: string, a?: unknown, b?: unknown) => {
      const { fn, options } = parseArgs(a, b);
      cases.forEach((c, i) => {
        const args = Array.isArray(c) ? c : [c];
        register(format(String(name), args, i), fn && ((ctx: unknown) => fn(c, ctx)), { ...base, ...options });
      });
    };
  return t;
}

function makeDescribe(skip: boolean): any {
  const d: any = (name: string, a?: unknown, b?: unknown) => {
    const { fn, options } = parseArgs(a, b);
    const parent = suiteForCall();
    const suite = newSuite(String(name), parent, parent.file, skip || Boolean(options.skip || options.todo));
    const previous = current;
    current = suite;
    try {
      const result = fn?.();
      if (result && typeof (result as Promise<unknown>).then === "function") {
        throw new Error(`describe("${name}") returned a promise: the Deno adapter collects tests synchronously`);
      }
    } finally {
      current = previous;
    }
  };
  d.skip = skip ? d : makeDescribe(true);
  d.only = d; // Deno has no suite-level only; run the suite
  d.todo = (name: string) => makeDescribe(true)(name, () => {});
  d.concurrent = d;
  d.sequential = d;
  d.skipIf = (condition: unknown) => (condition ? makeDescribe(true) : d);
  d.runIf = (condition: unknown) => d.skipIf(!condition);
  d.each =
    (cases: unknown[]) =>
    (name: string, a?: unknown, b?: unknown) => {
      const { fn, options } = parseArgs(a, b);
      cases.forEach((c, i) => {
        const args = Array.isArray(c) ? c : [c];
        d(format(String(name), args, i), options, () => fn?.(...args));
      });
    };
  d.for =
    (cases: unknown[]) =>
    (name: string, a?: unknown, b?: unknown) => {
      const { fn, options } = parseArgs(a, b);
      cases.forEach((c, i) => {
        d(format(String(name), Array.isArray(c) ? c : [c], i), options, () => fn?.(c));
      });
    };
  return d;
}

export const it = makeTest({});
export const test = it;
export const describe = makeDescribe(false);
export const suite = describe;

export function beforeAll(hook: Hook): void {
  suiteForCall().beforeAll.push(hook);
}
export function afterAll(hook: Hook): void {
  suiteForCall().afterAll.push(hook);
}
export function beforeEach(hook: Hook): void {
  suiteForCall().beforeEach.push(hook);
}
export function afterEach(hook: Hook): void {
  suiteForCall().afterEach.push(hook);
}
export function onTestFinished(hook: Hook): void {
  if (!currentContext) throw new Error("onTestFinished() called outside a running test");
  currentContext.onTestFinished(hook);
}
export function onTestFailed(hook: Hook): void {
  if (!currentContext) throw new Error("onTestFailed() called outside a running test");
  currentContext.onTestFailed(hook);
}
