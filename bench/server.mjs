// @ts-check
// A benchmark server in its own process: `node bench/server.mjs raw|portio`.
// Prints "PORT <n>" once listening; exits when stdin closes (the parent went away) or on SIGTERM.
const variant = process.argv[2];
if (variant !== "raw" && variant !== "portio") {
  console.error("usage: server.mjs raw|portio");
  process.exit(2);
}
const { startServer } = await import(variant === "raw" ? "./raw.mjs" : "./portio.mjs");
const server = await startServer();
process.stdout.write(`PORT ${server.port}\n`);
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  process.exit(0);
};
process.stdin.on("end", close);
process.stdin.on("close", close);
process.stdin.resume();
process.on("SIGTERM", close);
