/**
 * What the conformance suite borrows from Deno: temporary directories and the fd count; and
 * `leakFree` for the backend's own tests.
 * @module
 */
import { setBackend } from "@portio/core";
import { denoBackend } from "@portio/deno";
import { reactorIdle } from "@portio/libc-socket/testing";
import { describeFdChange, runtimeFdsSettled, settledCount } from "@portio/testkit";
import { it } from "vitest";
import { getDenoBinder } from "../src/libc-binder.ts";

/** Open fds of this process. readDirSync's own directory fd is open during every count, so it cancels out. */
export function countOpenFds(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/**
 * What each open fd of this process is (`/proc/self/fd` link targets: `socket:[inode]`,
 * `pipe:[inode]`, `anon_inode:[eventfd]`, a path), for a leak message that says what leaked.
 */
export function openFdTargets(): Map<number, string> {
  const targets = new Map<number, string>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      targets.set(Number(entry.name), Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
    } catch {
      // Closed between the listing and the readlink (readDirSync's own directory fd, for one).
    }
  }
  return targets;
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

/** A vitest test on the Deno backend that fails if it leaves more (or fewer) fds open than it found. */
export function leakFree(name: string, fn: () => Promise<void>): void {
  it(name, async () => {
    setBackend(denoBackend);
    // As in the conformance harness: the libc reactor may hold its wake-up fd for a moment.
    await reactorIdle(getDenoBinder());
    await runtimeFdsSettled();
    const targetsBefore = openFdTargets();
    const before = countOpenFds();
    await fn();
    await reactorIdle(getDenoBinder());
    const after = await settledCount(countOpenFds, before);
    if (after !== before) {
      throw new Error(
        `open fds after the test: expected ${before}, got ${after} (${describeFdChange(targetsBefore, openFdTargets())})`,
      );
    }
  });
}
