/**
 * Core's way to count a task into a `TaskGroup` without the closure and the promise hops of
 * `TaskGroup.start` — `serve()` runs one handler per connection. The task reports its own end
 * ({@link leaveTask} / {@link failTask}) rather than the group listening to its promise: no
 * `then` (a promise, a reaction and a microtask) per connection. Kept out of task-group.ts so
 * that it is not part of the public API (task-group.ts is re-exported whole).
 */
import type { TaskGroup } from "../task-group.ts";

/** What `TaskGroup` hands over: the three steps of a task it does not run itself. */
export interface TaskTracking {
  enter(group: TaskGroup): void;
  leave(group: TaskGroup): void;
  fail(group: TaskGroup, error: unknown): void;
}

let tracking: TaskTracking | undefined;

/** Called once by `TaskGroup`'s static block with the functions that can reach its private state. */
export function provideTaskTracking(implementation: TaskTracking): void {
  tracking = implementation;
}

/**
 * Counts a task that is about to run into `group`, as `group.start()` would: `wait()` waits until
 * the task calls {@link leaveTask} or {@link failTask}, exactly once.
 *
 * @throws Error if the group has finished waiting
 * @example
 * ```ts
 * enterTask(group);
 * void (async () => {
 *   try {
 *     await work();
 *   } catch (error) {
 *     return failTask(group, error);
 *   }
 *   leaveTask(group);
 * })();
 * ```
 */
export function enterTask(group: TaskGroup): void {
  tracking!.enter(group);
}

/** The task counted in by {@link enterTask} has ended. */
export function leaveTask(group: TaskGroup): void {
  tracking!.leave(group);
}

/** The task counted in by {@link enterTask} failed with `error`: as a task of `group.start()` that rejects. */
export function failTask(group: TaskGroup, error: unknown): void {
  tracking!.fail(group, error);
}
