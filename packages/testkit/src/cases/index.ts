import type { SuiteDefinition } from "../case.js";
import { adoptionSuite } from "./adoption.js";
import { connectedUdpSuite } from "./connected-udp.js";
import { connectedUnixDatagramSuite } from "./connected-unix-datagram.js";
import { inputValidationSuite } from "./input-validation.js";
import { fdPassingSuite } from "./fd-passing.js";
import { multiListenerSuite } from "./multi-listener.js";
import { serveSuite } from "./serve.js";
import { tcpListenerSuite } from "./tcp-listener.js";
import { tcpStreamSuite } from "./tcp-stream.js";
import { tcpOptionsSuite } from "./tcp-options.js";
import { socketpairSuite } from "./socketpair.js";
import { tlsSuite } from "./tls.js";
import { tlsInputsSuite } from "./tls-inputs.js";
import { udpSuite } from "./udp.js";
import { unixDatagramSuite } from "./unix-datagram.js";
import { unixListenerSuite } from "./unix-listener.js";
import { unixSocketFilesSuite } from "./unix-socket-files.js";
import { unixStreamSuite } from "./unix-stream.js";
import { webStreamsSuite } from "./web-streams.js";

/** Every suite, in the order they are registered. */
export const suites: readonly SuiteDefinition[] = [
  tcpStreamSuite,
  tcpListenerSuite,
  tcpOptionsSuite,
  unixStreamSuite,
  unixListenerSuite,
  unixSocketFilesSuite,
  fdPassingSuite,
  multiListenerSuite,
  serveSuite,
  tlsSuite,
  tlsInputsSuite,
  udpSuite,
  connectedUdpSuite,
  unixDatagramSuite,
  connectedUnixDatagramSuite,
  socketpairSuite,
  adoptionSuite,
  inputValidationSuite,
  webStreamsSuite,
];
