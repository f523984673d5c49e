#!/usr/bin/env node
/**
 * The README's test command (`pnpm test` builds, then runs this).
 *
 * Runs:
 *   - the whole vitest suite (root vitest.config.ts) under the machine's Node (20) and under the
 *     pinned second Node major (node_modules/.bin/node, the `node` package): vitest's CLI is
 *     started with each binary (vitest 4.1 supports Node 20 and 24),
 *     and its forked test workers inherit that binary;
 *   - the runtime-free core unit tests (packages/core/test) inside Bun (`bun test`, which maps
 *     "vitest" imports to bun:test by itself; `--conditions portio-source` points the
 *     workspace packages at their sources) and inside Deno (`deno test` with scripts/deno/import-map.json, which maps
 *     "vitest" to the adapter scripts/deno/vitest-shim.ts);
 *   - each other-runtime backend's own suite (backends/deno, backends/bun: their package's "test"
 *     script, run inside that runtime), once the backend has test files.
 * Prints the pass/fail counts per runtime, every skipped test with its reason, and finally a line
 * `N passed, N failed` (totals).
 * Exits non-zero if anything failed, or if a run could not report its counts.
 *
 * Options: --only a,b   run only these runs (node20, node24, bun, deno, deno-backend, bun-backend,
 *                        memory-bun, memory-deno)
 *          --skip a,b   skip these runs
 *          any argument after `--` goes to every vitest invocation (e.g. a file filter).
 * Environment: PORTIO_SYSTEM_NODE  path of the first Node binary (default: the first `node` on
 *                                   PATH outside node_modules, i.e. the machine's Node)
 *              PORTIO_RUN_TIMEOUT  seconds before a single run is killed (default 900)
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Deno: the real binary, not npm's Node wrapper in node_modules/.bin (which passes on only fds 0-2
// and leaves deno running when it is killed).
const bin = (name) => (name === "deno" ? join(root, "node_modules", "deno", "deno") : join(root, "node_modules", ".bin", name));
const resultsDir = join(root, ".tmp", "test-results");
const runTimeoutMs = Number(process.env.PORTIO_RUN_TIMEOUT ?? 900) * 1000;

// ---- arguments -----------------------------------------------------------------------------
const argv = process.argv.slice(2);
const dashdash = argv.indexOf("--");
const passThrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const listArg = (flag) => {
  const i = own.indexOf(flag);
  return i >= 0 ? new Set((own[i + 1] ?? "").split(",").filter(Boolean)) : undefined;
};
const only = listArg("--only");
const skip = listArg("--skip") ?? new Set();
const wanted = (id) => (!only || only.has(id)) && !skip.has(id);

// ---- binaries ------------------------------------------------------------------------------
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The machine's Node: pnpm puts node_modules/.bin (holding Node 24) first on PATH, so skip it. */
function systemNode() {
  if (process.env.PORTIO_SYSTEM_NODE) return process.env.PORTIO_SYSTEM_NODE;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes(`${"/"}node_modules${"/"}`) || dir.endsWith("node_modules/.bin")) continue;
    const candidate = join(dir, "node");
    if (isExecutable(candidate)) return candidate;
  }
  return process.execPath;
}

function versionOf(command, args = ["--version"]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? out.trim().split("\n")[0] : undefined));
  });
}

// ---- running -------------------------------------------------------------------------------
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");

// Output is piped through us: keep colours on a terminal, none in CI logs.
const colorEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1", PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
if (process.stdout.isTTY && colorEnv.NO_COLOR === undefined) colorEnv.FORCE_COLOR ??= "1";
else if (!process.stdout.isTTY && colorEnv.FORCE_COLOR === undefined) colorEnv.NO_COLOR ??= "1";

/** Runs a command with inherited output (also captured), killing its process group on timeout. */
function run(command, args, { label, cwd = root, env = {} }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so a hung run can be killed with its workers
      env: { ...colorEnv, ...env },
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      output += d;
      process.stderr.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test-all] ${label}: no result after ${runTimeoutMs / 1000} s, killing it`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, runTimeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: String(error), timedOut, seconds: 0 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: stripAnsi(output), timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Counts from vitest's JSON report. A file that fails before any test runs counts as one failure. */
function vitestCounts(reportFile) {
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  let failed = report.numFailedTests ?? 0;
  const notes = [];
  for (const file of report.testResults ?? []) {
    const failedInside = (file.assertionResults ?? []).some((a) => a.status === "failed");
    if (file.status === "failed" && !failedInside) {
      failed++;
      notes.push(`${relative(root, file.name)}: ${String(file.message ?? "failed to run").split("\n")[0]}`);
    }
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    notes,
  };
}

function bunCounts(output) {
  const num = (word) => {
    const m = [...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\s*$`, "gm"))].pop();
    return m ? Number(m[1]) : undefined;
  };
  const passed = num("pass");
  const failed = num("fail");
  if (passed === undefined || failed === undefined) return undefined;
  // Bun lists skipped tests again after the run, as "(skip) suite > name" (the name carries the reason).
  const skips = [...new Set([...output.matchAll(/^\(skip\) (.+)$/gm)].map((m) => m[1].trim()))];
  const todos = [...new Set([...output.matchAll(/^\(todo\) (.+)$/gm)].map((m) => `${m[1].trim()} — todo`))];
  return { passed, failed: failed + (num("errors?") ?? 0), skipped: (num("skip") ?? 0) + (num("todo") ?? 0), notes: [], skips: [...skips, ...todos] };
}

function denoCounts(output) {
  const m = [...output.matchAll(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/g)].pop();
  if (!m) return undefined;
  // Deno prints an ignored test as "name ... ignored (0ms)"; the name carries the reason.
  const skips = [...output.matchAll(/^(.+?) \.\.\. ignored(?: \(\d+m?s\))?$/gm)].map((m) => m[1].trim());
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0), notes: [], skips };
}

function testFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).filter((f) => /\.test\.[cm]?[jt]s$/.test(String(f)));
}

// ---- the runs ------------------------------------------------------------------------------
// vitest's CLI entry, started under each Node binary.
const vitestEntry = join(root, "node_modules", "vitest", "vitest.mjs");
const node1 = systemNode();
const node2 = bin("node");
const coreTests = join(root, "packages", "core", "test");
const skipsReporter = join(root, "scripts", "vitest-skips-reporter.mjs");

const runs = [];
for (const [id, nodeBin] of [
  ["node20", node1],
  ["node24", node2],
]) {
  runs.push({
    id,
    async prepare() {
      const version = await versionOf(nodeBin);
      if (!version) throw new Error(`${nodeBin} does not run`);
      this.label = `node ${version} (full suite)`;
      this.report = join(resultsDir, `${id}.json`);
      this.skipsFile = join(resultsDir, `${id}.skips.json`);
      rmSync(this.report, { force: true });
      rmSync(this.skipsFile, { force: true });
      return [
        nodeBin,
        [vitestEntry, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${this.report}`, `--reporter=${skipsReporter}`, ...passThrough],
        { env: { PORTIO_SKIPS_FILE: this.skipsFile } },
      ];
    },
    counts(result) {
      if (!existsSync(this.report)) return undefined;
      const counts = vitestCounts(this.report);
      counts.skips = existsSync(this.skipsFile)
        ? JSON.parse(readFileSync(this.skipsFile, "utf8")).map((s) => `${s.file}: ${s.name}${s.reason ? ` — ${s.reason}` : ""}`)
        : [];
      return counts;
    },
  });
}
runs.push({
  id: "bun",
  async prepare() {
    const version = await versionOf(bin("bun"));
    if (!version) throw new Error(`${bin("bun")} does not run`);
    this.label = `bun ${version} (core unit tests)`;
    if (testFilesUnder(coreTests).length === 0) return undefined;
    // "portio-source": the workspace packages resolve to their sources (docs/design.md).
    return [bin("bun"), ["test", "--conditions", "portio-source", "--timeout", "20000", "./packages/core/test"]];
  },
  counts: (result) => bunCounts(result.output),
});
runs.push({
  id: "deno",
  async prepare() {
    const version = await versionOf(bin("deno"));
    if (!version) throw new Error(`${bin("deno")} does not run`);
    this.label = `${version.replace(/ \(.*/, "")} (core unit tests)`;
    if (testFilesUnder(coreTests).length === 0) return undefined;
    return [
      bin("deno"),
      [
        "test",
        "--allow-all",
        "--no-check", // types are checked by `pnpm typecheck`
        "--no-lock",
        "--unstable-sloppy-imports", // core's sources import "./x.js" for "./x.ts", as tsc wants
        "--import-map=scripts/deno/import-map.json",
        "packages/core/test/",
      ],
    ];
  },
  counts: (result) => denoCounts(result.output),
});

// The other runtimes' backends (backends/deno, backends/bun, ...) run their own suites inside their
// runtime: a backend package whose package.json has a "test" script and whose test/ folder holds
// test files is run here with that script (through `sh -c`, in the package folder, with the
// workspace's node_modules/.bin on PATH so `deno` / `bun` are the pinned ones). Counts come from
// the runner's summary, so the runtime is taken from the folder name (deno or bun).
for (const name of existsSync(join(root, "backends")) ? readdirSync(join(root, "backends")).sort() : []) {
  if (name === "node") continue; // in the vitest suite above
  const dir = join(root, "backends", name);
  const manifestPath = join(dir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const script = manifest.scripts?.test;
  if (!script || testFilesUnder(join(dir, "test")).length === 0) continue;
  const parse = name === "deno" ? denoCounts : name === "bun" ? bunCounts : undefined;
  if (!parse) continue;
  runs.push({
    id: `${name}-backend`,
    async prepare() {
      const version = await versionOf(bin(name));
      if (!version) throw new Error(`${bin(name)} does not run`);
      const runtime = version.startsWith(name) ? version.replace(/ \(.*/, "") : `${name} ${version}`;
      this.label = `${runtime} (${manifest.name} tests)`;
      return ["sh", ["-c", script], { cwd: dir }];
    },
    counts: (result) => parse(result.output),
  });
}

// @portio/memory is runtime-free and claims Node, Deno and Bun: its tests (the conformance suite
// included) run in the vitest suite above and, with its "test:bun" / "test:deno" scripts, inside
// Bun and Deno themselves.
for (const [runtime, parse] of [
  ["bun", bunCounts],
  ["deno", denoCounts],
]) {
  const dir = join(root, "packages", "memory");
  runs.push({
    id: `memory-${runtime}`,
    async prepare() {
      const version = await versionOf(bin(runtime));
      if (!version) throw new Error(`${bin(runtime)} does not run`);
      this.label = `${version.startsWith(runtime) ? version.replace(/ \(.*/, "") : `${runtime} ${version}`} (@portio/memory tests)`;
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      return ["sh", ["-c", manifest.scripts[`test:${runtime}`]], { cwd: dir }];
    },
    counts: (result) => parse(result.output),
  });
}

mkdirSync(resultsDir, { recursive: true });
const summary = [];
for (const r of runs.filter((r) => wanted(r.id))) {
  let command;
  try {
    command = await r.prepare();
  } catch (error) {
    summary.push({ label: r.label ?? r.id, passed: 0, failed: 1, skipped: 0, notes: [String(error.message ?? error)], seconds: 0 });
    continue;
  }
  if (!command) {
    summary.push({ label: r.label, passed: 0, failed: 0, skipped: 0, notes: ["no test files in packages/core/test"], seconds: 0 });
    continue;
  }
  console.log(`\n━━━ ${r.label}: ${command[0]} ${command[1].join(" ")}\n`);
  const result = await run(command[0], command[1], { label: r.label, ...command[2] });
  let counts;
  try {
    counts = r.counts(result);
  } catch (error) {
    counts = undefined;
  }
  const entry = counts ?? { passed: 0, failed: 0, skipped: 0, notes: [] };
  if (!counts) entry.notes.push("the runner reported no counts");
  if (result.timedOut) entry.notes.push(`killed after ${runTimeoutMs / 1000} s`);
  if (result.code !== 0 && entry.failed === 0) {
    // A crash, an unhandled error between tests, or no counts at all: never let it pass.
    entry.failed = 1;
    entry.notes.push(`exit code ${result.code} without a failed test: counted as one failure`);
  }
  summary.push({ label: r.label, seconds: result.seconds, ...entry });
}

// ---- summary -------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
console.log("\n━━━ test summary (per runtime)");
for (const s of summary) {
  passed += s.passed;
  failed += s.failed;
  const status = s.failed === 0 ? "ok  " : "FAIL";
  console.log(`${status} ${s.label}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (${s.seconds.toFixed(1)} s)`);
  for (const note of s.notes) console.log(`       ${note}`);
  for (const skip of s.skips ?? []) console.log(`       skipped: ${skip}`);
  if (s.skipped > 0 && (s.skips ?? []).length < s.skipped) {
    console.log(`       (${s.skipped - (s.skips ?? []).length} skipped test(s) not listed by the runner)`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && summary.length > 0 ? 0 : 1;
