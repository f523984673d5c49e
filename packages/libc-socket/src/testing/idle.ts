import type { LibcBinder } from "../binder.ts";
import { getReactor } from "../reactor.ts";

/**
 * Resolves once the binder's reactor is idle (its wake-up fd closed), or after `timeoutMs` if it
 * is not (a socket still waited on: the fd count that follows then shows it). Harnesses call it
 * before counting open fds: right after the last socket closed, the reactor may still be
 * finishing its poll, with its wake-up fd open for a moment.
 *
 * @example
 * ```ts
 * countOpenFds: async () => (await reactorIdle(getKoffiBinder()), readdirSync("/proc/self/fd").length),
 * ```
 */
export async function reactorIdle(binder: LibcBinder, timeoutMs = 2_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([getReactor(binder).whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
