/**
 * What the conformance suite borrows from Deno: temporary directories and the fd count.
 * @module
 */

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
