// A worker: asks the primary for the listener on its control socket, serves it until SIGTERM.
//
//   <runtime> examples/processes/worker.mjs CONTROL_PATH      (started by workers.mjs)
// @ts-check
import { SocketListener, requestSocket } from "portio";
import { reply } from "./reply.mjs";
import { currentRuntime, scriptArgs } from "./runtimes.mjs";

const [control] = scriptArgs();
const listener = await requestSocket(/** @type {string} */ (control), { signal: AbortSignal.timeout(20_000) });
if (!(listener instanceof SocketListener)) throw new Error(`expected a listener, got ${listener.constructor.name}`);
const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());
console.log(`worker ${currentRuntime()} serving`);
await listener.serve(reply, { signal: stop.signal });
await listener.aclose();
