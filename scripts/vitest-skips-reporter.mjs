/**
 * A vitest reporter for scripts/test-all.mjs: writes every skipped test with its reason (the
 * `ctx.skip(note)` note, or the title, which by this repository's convention carries the reason
 * of a `skipIf`) to the JSON file named by PORTIO_SKIPS_FILE, so that the test command can print
 * them in its summary. vitest's own JSON report has no skip notes.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

// Paths relative to the repository, whichever package folder vitest runs in.
const root = fileURLToPath(new URL("..", import.meta.url));

export default class SkipsReporter {
  skips = [];

  onTestCaseResult(testCase) {
    const result = testCase.result();
    if (result.state !== "skipped") return;
    this.skips.push({
      file: relative(root, testCase.module.moduleId),
      name: testCase.fullName,
      reason: result.note ?? (testCase.options.mode === "todo" ? "todo" : undefined),
    });
  }

  onTestRunEnd() {
    if (process.env.PORTIO_SKIPS_FILE) writeFileSync(process.env.PORTIO_SKIPS_FILE, JSON.stringify(this.skips, null, 2));
  }
}
