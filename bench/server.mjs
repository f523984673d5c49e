// @ts-check
// A benchmark server in its own process: `node bench/server.mjs raw|portio|effect|fresh|raw-awaited` (also under
// Bun and Deno, where "raw" is Bun.listen / Deno.listen: raw-bun.mjs, raw-deno.mjs). Prints "PORT <n>" once listening; exits
// when stdin closes (the parent went away) or on SIGTERM.
import { rawAwaitedModule, rawModule } from "./runtime.mjs";

const variant = process.argv[2];
// "fresh" (Deno only): raw-deno.mjs's server reading each bulk chunk into a new buffer.
const modules = { raw: rawModule, portio: "./portio.mjs", effect: "./effect.mjs", fresh: "./raw-deno.mjs", "raw-awaited": rawAwaitedModule };
if (!Object.hasOwn(modules, variant) || modules[variant] === undefined || (variant === "fresh" && !("Deno" in globalThis))) {
  console.error("usage: server.mjs raw|portio|effect|fresh|raw-awaited (fresh: Deno only; raw-awaited: Node and Bun)");
  process.exit(2);
}
const loaded = await import(modules[variant]);
const server = await (variant === "fresh" ? loaded.startFreshServer() : loaded.startServer());
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
