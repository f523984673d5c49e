import type { SuiteDefinition } from "../case.js";
import { adoptionSuite } from "./adoption.js";
import { connectedUdpSuite } from "./connected-udp.js";
import { connectedUnixDatagramSuite } from "./connected-unix-datagram.js";
import { fdPassingSuite } from "./fd-passing.js";
import { multiListenerSuite } from "./multi-listener.js";
import { serveSuite } from "./serve.js";
import { tcpListenerSuite } from "./tcp-listener.js";
import { tcpStreamSuite } from "./tcp-stream.js";
import { socketpairSuite } from "./socketpair.js";
import { tlsSuite } from "./tls.js";
import { udpSuite } from "./udp.js";
import { unixDatagramSuite } from "./unix-datagram.js";
import { unixListenerSuite } from "./unix-listener.js";
import { unixStreamSuite } from "./unix-stream.js";

/** Every suite, in the order they are registered. */
export const suites: readonly SuiteDefinition[] = [
  tcpStreamSuite,
  tcpListenerSuite,
  unixStreamSuite,
  unixListenerSuite,
  fdPassingSuite,
  multiListenerSuite,
  serveSuite,
  tlsSuite,
  udpSuite,
  connectedUdpSuite,
  unixDatagramSuite,
  connectedUnixDatagramSuite,
  socketpairSuite,
  adoptionSuite,
];
