// @ts-check
// A benchmark server in its own process: `node bench/server.mjs raw|portio|effect|raw-awaited` (also under
// Bun and Deno, where "raw" is Bun.listen / Deno.listen: raw-bun.mjs, raw-deno.mjs). Prints "PORT <n>" once listening; exits
// when stdin closes (the parent went away) or on SIGTERM.
import { rawAwaitedModule, rawModule } from "./runtime.mjs";

const variant = process.argv[2];
const modules = { raw: rawModule, portio: "./portio.mjs", effect: "./effect.mjs", "raw-awaited": rawAwaitedModule };
if (!Object.hasOwn(modules, variant) || modules[variant] === undefined) {
  console.error("usage: server.mjs raw|portio|effect|raw-awaited (raw-awaited: Node and Bun)");
  process.exit(2);
}
const { startServer } = await import(modules[variant]);
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
