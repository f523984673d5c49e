import { setBackend, type AsyncResource } from "@portio/core";
import type { ResolvedAddress } from "@portio/core/backend";
import type { Environment } from "./environment.ts";
import type { ConformanceHarness } from "./harness.ts";
import { withResolvedNames } from "./support/resolver.ts";

/**
 * What a case body gets: the harness, the probed environment, and a place to register cleanup so
 * that a failing case still closes everything it opened (the fd-leak check and the next cases
 * depend on that).
 */
export interface CaseContext {
  readonly harness: ConformanceHarness;
  readonly environment: Environment;
  /** Runs `cleanup` after the case, last registered first, whether the case passed or not. */
  defer(cleanup: () => unknown): void;
  /** Closes `resource` after the case (`aclose()` is idempotent, so closing it earlier is fine). */
  use<T extends AsyncResource>(resource: T): T;
  /** A fresh directory for Unix socket paths, removed after the case. */
  tempDir(): Promise<string>;
  /**
   * Makes the backend resolve the given host names to the given addresses for the rest of the
   * case (other names resolve as usual). This is how AnyIO's tests fake DNS: core's happy-eyeballs
   * and listener code run for real, only the resolver's answer is chosen by the case.
   */
  resolveNames(names: Readonly<Record<string, readonly ResolvedAddress[]>>): void;
}

/** The {@link CaseContext} implementation; `close()` runs the cleanups. */
export class CaseScope implements CaseContext {
  readonly #cleanups: Array<() => unknown> = [];

  constructor(
    readonly harness: ConformanceHarness,
    readonly environment: Environment,
  ) {}

  defer(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  use<T extends AsyncResource>(resource: T): T {
    this.defer(() => resource.aclose());
    return resource;
  }

  async tempDir(): Promise<string> {
    const path = await this.harness.makeTempDir();
    this.defer(() => this.harness.removeDir(path));
    return path;
  }

  resolveNames(names: Readonly<Record<string, readonly ResolvedAddress[]>>): void {
    setBackend(withResolvedNames(this.harness.backend, names));
    this.defer(() => setBackend(this.harness.backend));
  }

  /** Runs every cleanup, even after one fails; rejects with the first failure. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    while (this.#cleanups.length > 0) {
      const cleanup = this.#cleanups.pop()!;
      try {
        await cleanup();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
