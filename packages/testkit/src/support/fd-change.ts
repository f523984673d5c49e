/**
 * The fds opened and closed between two snapshots of a process's fd table (fd → its
 * `/proc/self/fd` link target), for a leak message that says what leaked, not just how many.
 *
 * @example
 * ```ts
 * describeFdChange(new Map([[9, "pipe:[45]"]]), new Map([[7, "socket:[123]"]]));
 * // "opened 7 → socket:[123]; closed 9 → pipe:[45]"
 * ```
 */
export function describeFdChange(before: ReadonlyMap<number, string>, after: ReadonlyMap<number, string>): string {
  const changes: string[] = [];
  for (const [fd, target] of after) if (before.get(fd) !== target) changes.push(`opened ${fd} → ${target}`);
  for (const [fd, target] of before) if (after.get(fd) !== target) changes.push(`closed ${fd} → ${target}`);
  return changes.join("; ") || "the same fds";
}
