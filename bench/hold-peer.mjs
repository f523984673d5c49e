// @ts-check
// A peer that accepts TCP connections and never reads from them, for bench/backpressure.mjs (a
// sender facing a reader that never reads) and bench/idle.mjs (connections held open, idle).
// Raw node:net, so the peer is the same whatever runtime the measured side runs. Prints
// "PORT <n>" once listening, then "ACCEPTED <n>" whenever asked with a line on stdin; exits when
// stdin closes.
import net from "node:net";
import { createInterface } from "node:readline";

const held = new Set();
const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  held.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => held.delete(socket));
});
server.maxConnections = 1_000_000;
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  process.stdout.write(`PORT ${port}\n`);
});
for await (const _line of createInterface({ input: process.stdin })) process.stdout.write(`ACCEPTED ${held.size}\n`);
process.exit(0);
