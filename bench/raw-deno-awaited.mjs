// The "raw-awaited" reference of bench/main.mjs on Deno (ping-pong): Deno.listen / Deno.connect
// held to portio's contract and nothing more, the floor for portio's ping-pong. Deno's API is
// awaited already (one await per read and per write on both ends, as in raw-deno.mjs); what an API
// like portio's must add is chunks the reader owns: raw reads into one reused buffer, which the
// next read overwrites, so here every chunk read is copied out into one of its own (`slice`: a
// fresh ArrayBuffer per read, the plain way to hand out owned bytes). No busy/closed checks,
// error mapping, cancellation or maxBytes: those are portio's additions.
import { pingPong as rawPingPong, startServer as rawStartServer } from "./raw-deno.mjs";

export const startServer = () => rawStartServer(true);

export const pingPong = (port, count, size) => rawPingPong(port, count, size, true);
