/**
 * Core's way to count a task that is already running into a `TaskGroup`, without the closure and
 * the promise hops of `TaskGroup.start` — `serve()` runs one handler per connection. Kept out of
 * task-group.ts so that it is not part of the public API (task-group.ts is re-exported whole).
 */
import type { TaskGroup } from "../task-group.ts";

type Track = (group: TaskGroup, running: Promise<unknown>) => void;

let track: Track | undefined;

/** Called once by `TaskGroup`'s static block with the function that can reach its private state. */
export function provideTaskTracking(implementation: Track): void {
  track = implementation;
}

/**
 * Counts `running` into `group` as if it had been started with `group.start()`: `wait()` waits
 * for it, and its rejection fails the group.
 *
 * @throws Error if the group has finished waiting
 * @example
 * ```ts
 * trackTask(group, handleConnection(stream, context));
 * ```
 */
export function trackTask(group: TaskGroup, running: Promise<unknown>): void {
  track!(group, running);
}
