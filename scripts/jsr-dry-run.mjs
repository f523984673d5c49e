#!/usr/bin/env node
// `deno publish --dry-run` and `deno doc --lint` for every package published to JSR, offline.
// Exits non-zero on failure.
//
// Usage: node scripts/jsr-dry-run.mjs [--keep] [--publish] [--doc-lint]
//   --keep      leave the staging directory for a look
//   --publish   publish for real (from the same staging directory, after the checks)
//   --doc-lint  only `deno doc --lint` every package's exports (what JSR scores), no publish
//   --api-docs DIR  only build the HTML API reference of every package's exports into DIR
//                   (`deno doc --html`, from the TSDoc); fails on any warning it prints
//
// The sources import `./x.ts` (tsconfig.base.json: allowImportingTsExtensions), which Deno and JSR
// resolve as they are: no rewrite, no sloppy imports.
//
// The packages depend on each other through `jsr:@portio/...@^0.1.0`, versions that are not on
// jsr.io yet, or not this commit's. Those "imports" are not written in the jsr.json files: the
// staging copy derives them from package.json (each dependency that is itself one of the JSR
// packages below, with every subpath it exports), so the package graph stays declared once.
// Deno resolves such specifiers to local packages only inside a workspace, and a workspace needs a
// deno.json at its root. A deno.json at the repository root would be picked up by every deno
// command run without --no-config (editors, ad-hoc `deno run`), so the workspace is assembled in a
// temporary directory instead: each package's jsr.json, src/ and README.md, at the same relative
// paths. Nothing is fetched: workspace
// members resolve locally, node: built-ins are typed by Deno itself, and no package imports npm:,
// jsr: or https: modules of its own (`unshare -n` verified this: the run works without a network).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packages = [
  "packages/core",
  "packages/testkit",
  "packages/libc-socket",
  "packages/node-shared",
  "packages/portio",
  "backends/deno",
];
const deno = join(root, "node_modules/deno/deno"); // the real binary, not npm's wrapper
const keep = process.argv.includes("--keep");
const publish = process.argv.includes("--publish");
const docLintOnly = process.argv.includes("--doc-lint");
const apiDocsIndex = process.argv.indexOf("--api-docs");
const apiDocs = apiDocsIndex >= 0 ? resolve(process.argv[apiDocsIndex + 1] ?? "docs/api") : undefined;
const entriesOf = (dir) => {
  const jsr = JSON.parse(readFileSync(join(root, dir, "jsr.json"), "utf8"));
  return (typeof jsr.exports === "string" ? [jsr.exports] : Object.values(jsr.exports)).map((e) => join(dir, e));
};
const denoEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };

/** npm name → the JSR name and export subpaths of every package published to JSR. */
const jsrPackages = new Map(
  packages.map((dir) => {
    const jsr = JSON.parse(readFileSync(join(root, dir, "jsr.json"), "utf8"));
    const npmName = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).name;
    const subpaths = typeof jsr.exports === "string" ? ["."] : Object.keys(jsr.exports);
    return [npmName, { name: jsr.name, version: jsr.version, subpaths }];
  }),
);

/** jsr.json "imports" for `dir`: its package.json dependencies that are JSR packages, as `jsr:` specifiers. */
function derivedImports(dir) {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  const imports = {};
  for (const dependency of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = jsrPackages.get(dependency);
    if (!target) continue;
    for (const subpath of target.subpaths) {
      imports[`${dependency}${subpath.slice(1)}`] = `jsr:${target.name}@^${target.version}${subpath.slice(1)}`;
    }
  }
  return imports;
}

let failed = false;
for (const dir of packages) {
  // A version mismatch would publish one number to npm and another to JSR.
  const jsr = JSON.parse(readFileSync(join(root, dir, "jsr.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  if (jsr.version !== pkg.version) {
    console.error(`${dir}: jsr.json version ${jsr.version} != package.json version ${pkg.version}`);
    failed = true;
  }
}

/**
 * Splits `deno doc --lint` output into its problems, leaving out one kind that is an artefact of
 * linting offline: a `private-type-ref` to a type that another portio package exports. Here the
 * dependency is a workspace member (local files), which deno doc treats like this package's own
 * unexported modules; on JSR it is a `jsr:` dependency, whose public types may be referenced.
 * A private-type-ref to a type this package defines itself is kept.
 */
function withoutDependencyRefs(output, ownSources) {
  const problems = output.split(/\n(?=error\[)/).filter((block) => block.startsWith("error["));
  const kept = [];
  const dependencyRefs = [];
  for (const block of problems) {
    const ref = /^error\[private-type-ref\]: .* references private type '([^']+)'/.exec(block);
    if (ref) {
      const name = ref[1];
      const declared = new RegExp(
        `^\\s*(?:export\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:type|interface|class|enum|const|function)\\s+${name}\\b(?!\\s*[,}])`,
        "m",
      );
      const own = readdirSync(ownSources, { recursive: true })
        .filter((f) => String(f).endsWith(".ts"))
        .some((f) => declared.test(readFileSync(join(ownSources, String(f)), "utf8")));
      if (!own) {
        dependencyRefs.push(name);
        continue;
      }
    }
    kept.push(block.trim());
  }
  return { kept, dependencyRefs };
}

const stage = mkdtempSync(join(tmpdir(), "portio-jsr-"));
try {
  for (const dir of packages) {
    for (const entry of ["jsr.json", "src", "README.md", "LICENSE"]) {
      const from = join(root, dir, entry);
      if (existsSync(from)) cpSync(from, join(stage, dir, entry), { recursive: true });
    }
    const manifest = { ...JSON.parse(readFileSync(join(root, dir, "jsr.json"), "utf8")), imports: derivedImports(dir) };
    writeFileSync(join(stage, dir, "jsr.json"), JSON.stringify(manifest, null, 2));
    // `deno doc` finds workspace members by deno.json only (publish takes jsr.json too): the same
    // content under that name.
    writeFileSync(join(stage, dir, "deno.json"), JSON.stringify(manifest, null, 2));
  }
  writeFileSync(join(stage, "deno.json"), JSON.stringify({ workspace: packages.map((dir) => `./${dir}`) }, null, 2));

  // The documentation JSR scores: every exported symbol documented, explicit types on exports.
  for (const dir of docLintOnly ? packages : []) {
    const entries = entriesOf(dir);
    console.log(`deno doc --lint ${entries.join(" ")}`);
    const lint = spawnSync(deno, ["doc", "--lint", ...entries], {
      cwd: stage,
      encoding: "utf8",
      env: { ...denoEnv, NO_COLOR: "1" },
    });
    if (lint.error) console.error(lint.error.message);
    const { kept, dependencyRefs } = withoutDependencyRefs(`${lint.stdout}${lint.stderr}`, join(stage, dir, "src"));
    if (kept.length > 0) console.log(kept.join("\n\n"));
    if (dependencyRefs.length > 0) {
      console.log(`  not counted (the referenced type is exported by a dependency: ${[...new Set(dependencyRefs)].join(", ")})`);
    }
    console.log(`  ${dir}: ${kept.length} problems`);
    if (lint.error || kept.length > 0 || (lint.status !== 0 && kept.length === 0 && dependencyRefs.length === 0)) failed = true;
  }

  // The staging directory is no git checkout, and CI may run with local changes.
  if (apiDocs) {
    // One site for every JSR package (the Node and Bun backends need their runtime's types, which
    // Deno does not have; their TSDoc is in their .d.ts).
    rmSync(apiDocs, { recursive: true, force: true });
    const entries = packages.flatMap(entriesOf);
    console.log(`deno doc --html --output=${apiDocs} ${entries.join(" ")}`);
    const html = spawnSync(deno, ["doc", "--html", "--name=portio", `--output=${apiDocs}`, ...entries], {
      cwd: stage,
      encoding: "utf8",
      env: { ...denoEnv, NO_COLOR: "1" },
    });
    const output = `${html.stdout ?? ""}${html.stderr ?? ""}`.trim();
    console.log(output);
    const unexpected = output.split("\n").filter((line) => line.trim() && !/^Written \d+ files to /.test(line.trim()));
    if (html.status !== 0 || unexpected.length > 0) failed = true;
  }

  const args = docLintOnly || apiDocs ? undefined : ["publish", ...(publish && !failed ? [] : ["--dry-run"]), "--allow-dirty"];
  if (args) {
    console.log(`deno ${args.join(" ")}  (workspace of ${packages.length} packages in ${stage})`);
    const run = spawnSync(deno, args, { cwd: stage, stdio: "inherit", env: denoEnv });
    if (run.error) console.error(run.error.message);
    if (run.status !== 0) failed = true;
  }
} finally {
  if (keep) console.log(`staging directory kept: ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

const what = apiDocs ? "api reference" : docLintOnly ? "jsr doc lint" : publish ? "jsr publish" : "jsr dry run";
console.log(failed ? `${what}: FAILED` : `${what}: ${packages.length} packages ok`);
process.exit(failed ? 1 : 0);
