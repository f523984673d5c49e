/**
 * What the conformance suite borrows from Deno: temporary directories, the fd count, and the
 * adapter from the suite's runner interface to `Deno.test` (which has no `describe`, so test
 * names carry the suite path).
 * @module
 */
import type { ConformanceRunner } from "@portio/testkit";

/** Open fds of this process. readDirSync's own directory fd is open during every count, so it cancels out. */
export function countOpenFds(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/** A fresh directory with a short path: Unix socket paths must stay under 108 bytes. */
export function makeTempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix: "portio-deno-" });
}

export async function removeDir(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/**
 * Registers the suite's tests with `Deno.test`. Deno's op and resource sanitizers stay off: the
 * suite checks leaks itself by counting fds, which also covers fds Deno's sanitizers do not see
 * (libc sockets, node:net handles).
 */
export function denoRunner(): ConformanceRunner {
  const path: string[] = [];
  return {
    describe(name, fn) {
      path.push(name);
      try {
        fn();
      } finally {
        path.pop();
      }
    },
    test(name, fn) {
      Deno.test({ name: [...path, name].join(" > "), fn, sanitizeOps: false, sanitizeResources: false, sanitizeExit: false });
    },
    skip(name, reason) {
      Deno.test({ name: `${[...path, name].join(" > ")} (skipped: ${reason})`, ignore: true, fn() {} });
    },
  };
}
