#!/usr/bin/env node
/**
 * The README's test command (`pnpm test` builds, then runs this).
 *
 * Every run is vitest, started inside the runtime under test (its forked workers are then that
 * runtime's processes), and reports the same way (vitest's JSON report, plus
 * scripts/vitest-skips-reporter.mjs for every skipped test with its reason):
 *   - node20, node24: the whole vitest suite (root vitest.config.ts) under the machine's Node (20)
 *     and under the pinned second Node major (node_modules/.bin/node, the `node` package);
 *   - for every workspace package under packages/ and backends/ (found, not named here): each
 *     script `test:<runtime>` in its package.json, and for backends/<runtime> its `test` script
 *     (a backend's suite runs inside its runtime). The script starts vitest in that runtime
 *     (`bun --bun .../vitest.mjs run`, `deno run -A .../vitest.mjs run`); this file appends the
 *     reporter options. A run's id is `<folder>-<runtime>` (`core-bun`, `deno-backend` for a
 *     backend's `test` script).
 * Prints the pass/fail counts per run, every skipped test with its reason, and finally a line
 * `N passed, N failed` (totals).
 * Exits non-zero if anything failed, or if a run could not report its counts.
 *
 * Options: --only a,b   run only these runs: a run id (node20, core-bun, deno-backend, ...) or a
 *                        runtime (bun, deno: every run inside it)
 *          --skip a,b   skip these runs (same names)
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
const wanted = ({ id, runtime }) => (!only || only.has(id) || only.has(runtime)) && !skip.has(id) && !skip.has(runtime);

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
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour sequences this removes
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");

// Output is piped through us: keep colours on a terminal, none in CI logs.
const colorEnv = {
  ...process.env,
  DENO_NO_UPDATE_CHECK: "1",
  PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
};
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
  // Names of the failed tests with the first line of their error, repeated at the very end of the
  // output: a CI log is often read from its tail, after the skip list.
  for (const file of report.testResults ?? []) {
    for (const a of file.assertionResults ?? []) {
      if (a.status !== "failed") continue;
      const why = String((a.failureMessages ?? [])[0] ?? "").split("\n")[0];
      notes.push(`failed: ${relative(root, file.name)}: ${a.fullName ?? a.title}${why ? ` — ${why}` : ""}`);
    }
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    notes,
  };
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
const skipsReporter = join(root, "scripts", "vitest-skips-reporter.mjs");

/** The reporter options every vitest run gets, and the files they write. */
function reporting(id) {
  const report = join(resultsDir, `${id}.json`);
  const skipsFile = join(resultsDir, `${id}.skips.json`);
  rmSync(report, { force: true });
  rmSync(skipsFile, { force: true });
  return {
    report,
    skipsFile,
    args: ["--reporter=default", "--reporter=json", `--outputFile.json=${report}`, `--reporter=${skipsReporter}`],
    env: { PORTIO_SKIPS_FILE: skipsFile },
  };
}

function vitestRun(run) {
  return {
    ...run,
    counts() {
      if (!existsSync(this.files.report)) return undefined;
      const counts = vitestCounts(this.files.report);
      counts.skips = existsSync(this.files.skipsFile)
        ? JSON.parse(readFileSync(this.files.skipsFile, "utf8")).map(
            (s) => `${s.file}: ${s.name}${s.reason ? ` — ${s.reason}` : ""}`,
          )
        : [];
      return counts;
    },
  };
}

const runs = [];
for (const [id, nodeBin] of [
  ["node20", node1],
  ["node24", node2],
]) {
  runs.push(
    vitestRun({
      id,
      runtime: id,
      async prepare() {
        const version = await versionOf(nodeBin);
        if (!version) throw new Error(`${nodeBin} does not run`);
        this.label = `node ${version} (full suite)`;
        this.files = reporting(id);
        return [
          nodeBin,
          [vitestEntry, "run", ...this.files.args, ...passThrough],
          { env: { ...this.files.env, PORTIO_EXPECTED_RUNTIME: "node" } },
        ];
      },
    }),
  );
}

// Every workspace package's runs inside other runtimes: `test:<runtime>` scripts, and a backend's
// `test` script (backends/<runtime>; the Node backend is in the suite above). The script names its
// runtime's binary (`bun` is the pinned one: the workspace's node_modules/.bin is first on PATH;
// Deno's scripts name the real binary, node_modules/deno/deno, never npm's Node wrapper).
for (const group of ["packages", "backends"]) {
  const groupDir = join(root, group);
  for (const name of existsSync(groupDir) ? readdirSync(groupDir).sort() : []) {
    const dir = join(groupDir, name);
    const manifestPath = join(dir, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    const scripts = Object.entries(manifest.scripts ?? {}).flatMap(([script, command]) => {
      const own = /^test:([a-z0-9]+)$/.exec(script);
      if (own) return [{ runtime: own[1], id: `${name}-${own[1]}`, command }];
      if (script === "test" && group === "backends" && name !== "node")
        return [{ runtime: name, id: `${name}-backend`, command }];
      return [];
    });
    if (scripts.length === 0 || testFilesUnder(join(dir, "test")).length === 0) continue;
    for (const { runtime, id, command } of scripts) {
      runs.push(
        vitestRun({
          id,
          runtime,
          async prepare() {
            const version = await versionOf(bin(runtime));
            if (!version) throw new Error(`${bin(runtime)} does not run`);
            const runtimeName = version.startsWith(runtime) ? version.replace(/ \(.*/, "") : `${runtime} ${version}`;
            this.label = `${runtimeName} (${manifest.name} tests)`;
            this.files = reporting(id);
            // A file filter may match nothing in this package: that is no failure here.
            const extra = [...this.files.args, ...(passThrough.length > 0 ? ["--passWithNoTests", ...passThrough] : [])];
            return [
              "sh",
              ["-c", `${command} "$@"`, "sh", ...extra],
              { cwd: dir, env: { ...this.files.env, PORTIO_EXPECTED_RUNTIME: runtime } },
            ];
          },
        }),
      );
    }
  }
}

mkdirSync(resultsDir, { recursive: true });
const summary = [];
for (const r of runs.filter(wanted)) {
  let command;
  try {
    command = await r.prepare();
  } catch (error) {
    summary.push({
      label: r.label ?? r.id,
      passed: 0,
      failed: 1,
      skipped: 0,
      notes: [String(error.message ?? error)],
      seconds: 0,
    });
    continue;
  }
  if (!command) {
    summary.push({ label: r.label, passed: 0, failed: 0, skipped: 0, notes: ["no test files"], seconds: 0 });
    continue;
  }
  console.log(`\n━━━ ${r.label}: ${command[0]} ${command[1].join(" ")}\n`);
  const result = await run(command[0], command[1], { label: r.label, ...command[2] });
  let counts;
  try {
    counts = r.counts(result);
  } catch (_error) {
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
const failures = summary.filter((s) => s.failed > 0);
if (failures.length > 0) {
  console.log("\n━━━ what failed");
  for (const s of failures) for (const note of s.notes) console.log(`${s.label}: ${note}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && summary.length > 0 ? 0 : 1;
