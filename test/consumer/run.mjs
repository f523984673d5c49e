#!/usr/bin/env node
/**
 * The consumer test (.ci/run, step "consumer"): portio as a user gets it from npm.
 *
 * 1. `pnpm pack` every package (after `pnpm build`); each tarball must hold LICENSE, README.md,
 *    package.json without `workspace:` ranges, and the dist files its exports name.
 * 2. A fresh app in the system temp directory (outside the workspace) installs the tarballs with
 *    plain `npm install` (koffi and @types/node come from the registry), type-checks
 *    app/consumer.ts with tsc --strict twice (`module: nodenext`; `moduleResolution: bundler`) and
 *    compiles it; app/bundled.ts once more without @types/node (the lib setting the README names).
 * 3. The compiled consumer (TCP echo, UDP, Unix datagrams, socketpair, adoption of an inherited
 *    fd 3 by a child process, TLS with a certificate made by openssl) runs on Node 20, Node 24,
 *    Bun and Deno (bare and `npm:` specifiers from node_modules); a second app installed with
 *    `bun install` runs it on Bun again.
 * 4. app/bundled.ts, bundled with esbuild into one file (portio inlined, koffi external as the
 *    README says), calls socketpair() on Node.
 *
 * Prints `consumer: N passed, N failed` and exits non-zero if anything failed.
 * Options: --keep (leave the temp directory), --only node20,node24,bun,bun-install,deno,deno-npm,deno-direct,bundle
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const appSources = join(root, "test", "consumer", "app");
const keep = process.argv.includes("--keep");
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex >= 0 ? new Set(process.argv[onlyIndex + 1].split(",")) : undefined;
const wanted = (id) => !only || only.has(id);
const packages = [
  "packages/core",
  "packages/libc-socket",
  "packages/node-shared",
  "packages/testkit",
  "packages/portio",
  "packages/memory",
  "backends/node",
  "backends/deno",
  "backends/bun",
];
const env = {
  ...process.env,
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
};
const bun = join(root, "node_modules", ".bin", "bun");
const deno = join(root, "node_modules", "deno", "deno"); // the real binary, not npm's wrapper
const node24 = join(root, "node_modules", ".bin", "node");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const typesNodeVersion = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies["@types/node"];

/** The machine's Node (20): the first `node` on PATH outside node_modules (as scripts/test-all.mjs). */
function systemNode() {
  if (process.env.PORTIO_SYSTEM_NODE) return process.env.PORTIO_SYSTEM_NODE;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    if (existsSync(join(dir, "node"))) return join(dir, "node");
  }
  return process.execPath;
}

const results = [];
function check(name, fn) {
  process.stdout.write(`\n── ${name}\n`);
  try {
    fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${String(error.message ?? error).trim()}`);
  }
}

/** Runs a command; its output goes to ours; throws with the exit status on failure. */
function sh(command, args, options = {}) {
  const run = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"], env, timeout: 300_000, ...options });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${run.status ?? run.signal}`);
}

const work = mkdtempSync(join(tmpdir(), "portio-consumer-"));
try {
  // ---- 1. tarballs ----------------------------------------------------------------------------
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const tarballOf = {};
  check("pnpm pack: every package, each with LICENSE, README.md, its dist and no workspace: ranges", () => {
    const problems = [];
    for (const dir of packages) {
      const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      const before = new Set(readdirSync(tarballs));
      sh("npx", ["-y", "pnpm@12.4.2", "pack", "--pack-destination", tarballs], {
        cwd: join(root, dir),
        stdio: ["ignore", "ignore", "inherit"],
      });
      const file = readdirSync(tarballs).find((f) => !before.has(f));
      if (!file) throw new Error(`${dir}: pnpm pack made no tarball`);
      tarballOf[manifest.name] = join(tarballs, file);
      const listing = execFileSync("tar", ["-tzf", join(tarballs, file)], { encoding: "utf8" }).split("\n");
      const packed = JSON.parse(
        execFileSync("tar", ["-xzOf", join(tarballs, file), "package/package.json"], { encoding: "utf8" }),
      );
      const required = ["package/LICENSE", "package/README.md", "package/package.json"];
      const targets = JSON.stringify(packed.exports ?? {}).match(/"\.\/dist\/[^"]+"/g) ?? [];
      required.push(...targets.map((t) => `package/${t.slice(3, -1)}`));
      const missing = required.filter((f) => !listing.includes(f));
      if (missing.length) problems.push(`${file} lacks ${missing.join(", ")}`);
      if (JSON.stringify(packed).includes("workspace:")) problems.push(`${file}: package.json still has workspace: ranges`);
      for (const field of ["repository", "homepage", "bugs", "license"]) {
        if (!packed[field]) problems.push(`${file}: package.json has no "${field}"`);
      }
      console.log(`  ${file}: ${listing.filter(Boolean).length} files`);
    }
    if (problems.length) throw new Error(problems.join("\n"));
  });

  // ---- 2. an app installed with npm -----------------------------------------------------------
  const app = join(work, "app");
  const manifest = (deps) =>
    JSON.stringify({ name: "portio-consumer", private: true, type: "module", dependencies: deps }, null, 2);
  const fileDeps = Object.fromEntries(Object.entries(tarballOf).map(([name, file]) => [name, `file:${file}`]));
  let installed = false;
  check("npm install of the tarballs into a fresh app outside the workspace", () => {
    mkdirSync(app);
    cpSync(appSources, app, { recursive: true });
    writeFileSync(join(app, "package.json"), manifest({ ...fileDeps, "@types/node": typesNodeVersion }));
    sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app });
    const cores = execFileSync(
      "find",
      [join(app, "node_modules"), "-name", "package.json", "-path", "*@portio/core/package.json"],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n");
    if (cores.length !== 1) throw new Error(`expected one @portio/core, found ${cores.length}: ${cores.join(", ")}`);
    installed = true;
  });

  let compiled = false;
  if (installed) {
    check("tsc --strict, module nodenext (and emit)", () =>
      sh(process.execPath, [tsc, "-p", "tsconfig.nodenext.json"], { cwd: app }),
    );
    check("tsc --strict, moduleResolution bundler", () =>
      sh(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], { cwd: app }),
    );
    check("tsc --strict without @types/node (lib ES2022 + ESNext.Disposable + DOM)", () =>
      sh(process.execPath, [tsc, "-p", "tsconfig.web.json"], { cwd: app }),
    );
    compiled = existsSync(join(app, "out", "consumer.js"));
  }

  // ---- 3. the consumer on every runtime -------------------------------------------------------
  const certs = join(work, "certs");
  mkdirSync(certs);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(certs, "key.pem"),
      "-out",
      join(certs, "cert.pem"),
    ],
    { stdio: "ignore" },
  );

  const runtimes = [
    {
      id: "node20",
      label: `Node ${execFileSync(systemNode(), ["--version"], { encoding: "utf8" }).trim()}`,
      cmd: [systemNode()],
    },
    { id: "node24", label: `Node ${execFileSync(node24, ["--version"], { encoding: "utf8" }).trim()}`, cmd: [node24] },
    { id: "bun", label: `Bun ${execFileSync(bun, ["--version"], { encoding: "utf8" }).trim()}`, cmd: [bun] },
    { id: "deno", label: "Deno, bare specifiers from node_modules", cmd: [deno, "run", "-A", "--node-modules-dir=manual"] },
  ];
  for (const r of runtimes) {
    if (!wanted(r.id) || !compiled) continue;
    check(`consumer on ${r.label}`, () =>
      sh(r.cmd[0], [...r.cmd.slice(1), "out/consumer.js", certs, JSON.stringify([...r.cmd, join(app, "out", "child.js")])], {
        cwd: app,
      }),
    );
  }
  if (wanted("deno-direct") && installed) {
    check("deno check + run: a program importing @portio/deno and @portio/core directly", () => {
      sh(deno, ["check", "--node-modules-dir=manual", "deno-direct.ts"], { cwd: app });
      sh(deno, ["run", "--allow-net", "--node-modules-dir=manual", "deno-direct.ts"], { cwd: app });
    });
  }
  if (wanted("deno-npm") && compiled) {
    // The same program with `npm:` specifiers, resolved from node_modules (no registry involved).
    const npmDir = join(app, "out-npm");
    mkdirSync(npmDir, { recursive: true });
    for (const file of ["consumer.js", "child.js"]) {
      writeFileSync(
        join(npmDir, file),
        readFileSync(join(app, "out", file), "utf8").replace(/from "portio"/g, 'from "npm:portio@0.1.0"'),
      );
    }
    check("consumer on Deno, npm: specifiers from node_modules", () =>
      sh(
        deno,
        [
          "run",
          "-A",
          "--node-modules-dir=manual",
          "out-npm/consumer.js",
          certs,
          JSON.stringify([deno, "run", "-A", "--node-modules-dir=manual", join(npmDir, "child.js")]),
        ],
        { cwd: app },
      ),
    );
  }

  // ---- Bun's own installer ----------------------------------------------------------------------
  if (wanted("bun-install") && compiled) {
    const bunApp = join(work, "bun-app");
    check("bun install of the tarballs, consumer on Bun", () => {
      mkdirSync(bunApp);
      cpSync(join(app, "out"), join(bunApp, "out"), { recursive: true });
      // The tarballs name each other by version (0.1.0), which is not on the registry: overrides
      // point those at the tarballs too (npm's install above resolves them to the top level).
      writeFileSync(
        join(bunApp, "package.json"),
        JSON.stringify({ ...JSON.parse(manifest(fileDeps)), overrides: fileDeps }, null, 2),
      );
      sh(bun, ["install", "--no-progress"], { cwd: bunApp });
      sh(bun, ["out/consumer.js", certs, JSON.stringify([bun, join(bunApp, "out", "child.js")])], { cwd: bunApp });
    });
  }

  // ---- 4. a bundled Node app ------------------------------------------------------------------
  if (wanted("bundle") && compiled) {
    check("esbuild bundle (portio inlined, koffi external) calls socketpair() on Node", () => {
      const esbuild = join(
        dirname(createRequire(createRequire(join(root, "package.json")).resolve("tsup")).resolve("esbuild/package.json")),
        "bin",
        "esbuild",
      );
      sh(
        esbuild,
        [
          "out/bundled.js",
          "--bundle",
          "--platform=node",
          "--format=esm",
          "--external:koffi",
          "--outfile=dist/app.mjs",
          "--log-level=warning",
        ],
        { cwd: app },
      );
      const bundle = readFileSync(join(app, "dist", "app.mjs"), "utf8");
      if (/^\s*(import|export)\b[^;]*from\s*"(portio|@portio\/[^"]+)"/m.test(bundle))
        throw new Error("the bundle still imports portio packages");
      sh(systemNode(), ["dist/app.mjs"], { cwd: app });
    });
  }
} finally {
  if (keep) console.log(`\nkept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
console.log(`\nconsumer: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
