// A server that can be restarted without dropping a connection. The first one opens the
// listener; every later one takes it over from the running one through CONTROL_PATH:
//
//   node examples/processes/server.mjs CONTROL_PATH                 prints "listening PORT"
//   <runtime> examples/processes/server.mjs CONTROL_PATH --take-over  prints "serving"
//
// While serving, each one waits on CONTROL_PATH for its successor (handOverListener). When one
// comes, it hands the listener over; once the successor serves, this process stops accepting,
// answers every connection it had already taken, prints "handed over" and exits 0. Connections
// waiting in the kernel go to the successor: no client is refused or reset. SIGTERM stops it.
// @ts-check
import { ClosedResourceError, SocketAttribute, createTcpListener, handOverListener, takeOverListener } from "portio";
import { reply } from "./reply.mjs";
import { scriptArgs } from "./runtimes.mjs";

const [control, mode] = scriptArgs();
if (control === undefined) throw new Error("usage: server.mjs CONTROL_PATH [--take-over]");
const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());

/** @type {import("portio").SocketListener | import("portio").MultiListener<import("portio").SocketStream>} */
let listener;
/** @type {Promise<void>} */
let serving;
if (mode === "--take-over") {
  const taken = await takeOverListener(control, { signal: AbortSignal.timeout(20_000) });
  listener = taken.listener;
  serving = listener.serve(reply, { signal: stop.signal });
  await taken.ready();
  console.log("serving");
} else {
  listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  serving = listener.serve(reply, { signal: stop.signal });
  console.log(`listening ${listener.extra(SocketAttribute.localPort)}`);
}

// Waits for a successor for as long as this process serves.
const handover = handOverListener(listener, control, { signal: stop.signal }).then(
  () => console.log("handed over"),
  (error) => {
    if (!stop.signal.aborted) throw error;
  },
);
try {
  await serving;
} catch (error) {
  // After a handover the listener stops accepting: serve ends this way once its handlers are done.
  if (!(error instanceof ClosedResourceError)) throw error;
}
await handover;
await listener.aclose();
