import type { SuiteDefinition } from "../case.ts";
import { adoptionSuite } from "./adoption.ts";
import { connectedUdpSuite } from "./connected-udp.ts";
import { connectedUnixDatagramSuite } from "./connected-unix-datagram.ts";
import { inputValidationSuite } from "./input-validation.ts";
import { fdPassingSuite } from "./fd-passing.ts";
import { multiListenerSuite } from "./multi-listener.ts";
import { serveSuite } from "./serve.ts";
import { tcpListenerSuite } from "./tcp-listener.ts";
import { tcpStreamSuite } from "./tcp-stream.ts";
import { tcpOptionsSuite } from "./tcp-options.ts";
import { socketpairSuite } from "./socketpair.ts";
import { tlsSuite } from "./tls.ts";
import { tlsInputsSuite } from "./tls-inputs.ts";
import { udpSuite } from "./udp.ts";
import { unixDatagramSuite } from "./unix-datagram.ts";
import { unixListenerSuite } from "./unix-listener.ts";
import { unixSocketFilesSuite } from "./unix-socket-files.ts";
import { unixStreamSuite } from "./unix-stream.ts";
import { webStreamsSuite } from "./web-streams.ts";

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
