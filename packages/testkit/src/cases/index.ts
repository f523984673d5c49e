import type { SuiteDefinition } from "../case.js";
import { multiListenerSuite } from "./multi-listener.js";
import { serveSuite } from "./serve.js";
import { tcpListenerSuite } from "./tcp-listener.js";
import { tcpStreamSuite } from "./tcp-stream.js";
import { tlsSuite } from "./tls.js";
import { unixListenerSuite } from "./unix-listener.js";
import { unixStreamSuite } from "./unix-stream.js";

/** Every suite, in the order they are registered. */
export const suites: readonly SuiteDefinition[] = [
  tcpStreamSuite,
  tcpListenerSuite,
  unixStreamSuite,
  unixListenerSuite,
  multiListenerSuite,
  serveSuite,
  tlsSuite,
];
