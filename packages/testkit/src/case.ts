import type { CaseContext } from "./context.ts";

/** Facts about the machine that some cases need; a case lists the ones it requires. */
export type Capability =
  /** `::1` can be bound. */
  | "ipv6"
  /** Linux abstract Unix socket names (`"\0name"`) work with this backend. */
  | "abstractUnix"
  /** The harness lends `rawSockets` (raw fds for the adoption cases). */
  | "rawSockets"
  /** The harness lends `socketFiles` (the file system, for the Unix socket file cases). */
  | "socketFiles"
  /** `socketFiles.probeAsOtherUser` works here (root, with `setpriv` and `python3`). */
  | "otherUser"
  /** The harness lends `spawnProcess` (real peers in other processes, e.g. one that gets killed). */
  | "processes"
  /** The harness lends `tcpOptions` (a TCP socket's options as the kernel holds them). */
  | "tcpOptions";

/**
 * A case as the suites define it, before it is bound to a harness. Bodies use only web-standard
 * APIs, the public `@portio/core` API and the {@link CaseContext}.
 */
export interface CaseDefinition {
  /** Name within the suite; parameters go in brackets: `"extra-attributes[ipv6]"`. */
  name: string;
  /** What is checked, in one sentence (shown by `conformanceCases`, used in reports). */
  description: string;
  /** Capabilities without which the case is skipped, with the probe's reason. */
  requires?: readonly Capability[];
  /**
   * For the few cases that repeat many connections: the runner's limit is the harness's
   * `timeoutMs` times this (default 1). A safety net only; nothing is timed.
   */
  timeoutScale?: number;
  run(t: CaseContext): Promise<void>;
}

/** A named group of cases, e.g. `"tcp-stream"`. */
export interface SuiteDefinition {
  suite: string;
  cases: readonly CaseDefinition[];
}
