/**
 * An fd count that has had a moment to settle: `read()` again, for a short and bounded while
 * (up to 2 s, 80 × 25 ms), as long as it differs from `expected`. Runtimes release some fds a few
 * event-loop turns after the close they report (Bun's socket close and child-process pipes,
 * Deno's resources), so a count read at once can be off by one or two; a real leak stays and
 * still fails the check that compares the result.
 *
 * @example
 * ```ts
 * const before = countOpenFds();
 * await runTheTest();
 * const after = await settledCount(countOpenFds, before);
 * if (after !== before) throw new Error(`fd leak: ${after - before}`);
 * ```
 */
export async function settledCount(read: () => number | Promise<number>, expected: number): Promise<number> {
  let count = await read();
  for (let retry = 0; retry < SETTLE_RETRIES && count !== expected; retry++) {
    await new Promise((resume) => setTimeout(resume, SETTLE_INTERVAL_MS));
    count = await read();
  }
  return count;
}

const SETTLE_RETRIES = 80;
const SETTLE_INTERVAL_MS = 25;
