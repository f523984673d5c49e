#!/usr/bin/env node
/**
 * Type-checks the TypeScript code blocks of the documentation against the BUILT packages, as a
 * user would compile them (`pnpm docs:check`; .ci/run step "doc blocks").
 *
 * Every block fenced ```ts in README.md, CHANGELOG.md, docs/*.md and each package's README.md
 * becomes a module in .tmp/doc-blocks/, where node_modules links `portio` and `@portio/*` to the
 * workspace packages (resolved through their "types" exports: dist/*.d.ts, so build first), and
 * the whole set is checked with `tsc --strict` (module nodenext, @types/node). A block that is a
 * deliberate fragment (a signature list, a sketch with placeholders, a snippet for another runtime)
 * is fenced ```ts fragment instead; those are listed, not checked.
 * Exits non-zero on any type error, printing it with the markdown file and line it came from.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".tmp", "doc-blocks");
const markdown = [
  "README.md",
  "CHANGELOG.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ...["packages", "backends", "examples"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((dir) => `${group}/${dir}/README.md`)
      .filter((f) => existsSync(join(root, f))),
  ),
];

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "node_modules", "@portio"), { recursive: true });
for (const group of ["packages", "backends"]) {
  for (const dir of readdirSync(join(root, group))) {
    const manifest = join(root, group, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, "utf8"));
    if (name === "portio" || name?.startsWith("@portio/")) symlinkSync(join(root, group, dir), join(out, "node_modules", name));
  }
}
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }));

const blocks = [];
const fragments = [];
for (const file of markdown) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!fence?.[1]) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    if (fence[1] === "ts" || fence[1] === "typescript") {
      if (fence[2].split(/\s+/).includes("fragment")) fragments.push(`${file}:${start + 1}`);
      else {
        const name = `${file.replace(/[^A-Za-z0-9]+/g, "_")}_L${start + 1}.ts`;
        // `export {}`: each block is its own module, so names do not clash across blocks.
        writeFileSync(join(out, name), `${lines.slice(start + 1, end).join("\n")}\nexport {};\n`);
        blocks.push({ name, file, line: start + 2 });
      }
    }
    i = end;
  }
}

writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "ESNext.Disposable"],
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
        noEmit: true,
        // The blocks are checked here; the packages' own declarations by the consumer test.
        skipLibCheck: true,
      },
      files: blocks.map((b) => b.name),
    },
    null,
    2,
  ),
);

console.log(
  `doc blocks: ${blocks.length} checked, ${fragments.length} fragments not checked (${fragments.join(", ") || "none"})`,
);
const tsc = spawnSync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", out, "--pretty", "false"],
  { cwd: out, encoding: "utf8" },
);
const output = `${tsc.stdout}${tsc.stderr}`.trim();
if (output) {
  for (const line of output.split("\n")) {
    const m = /^(\S+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block = m && blocks.find((b) => b.name === m[1]);
    console.log(block ? `${block.file}:${block.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : line);
  }
}
const ok = tsc.status === 0 && blocks.length > 0;
console.log(ok ? "doc blocks: ok" : "doc blocks: FAILED");
process.exit(ok ? 0 : 1);
