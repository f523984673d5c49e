/** The adoption child: fd 3 is a connected Unix stream socket its parent passed on. */
import { UNIXSocketStream, wrapClientSocket } from "portio";

const stream = await wrapClientSocket(3);
if (!(stream instanceof UNIXSocketStream)) throw new Error(`fd 3 was adopted as ${stream.constructor.name}`);
const request = new TextDecoder().decode(await stream.receive());
if (request !== "ping") throw new Error(`unexpected request ${request}`);
await stream.send(new TextEncoder().encode("pong from an adopted fd 3"));
await stream.aclose();
