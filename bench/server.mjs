// @ts-check
// A benchmark server in its own process: `node bench/server.mjs raw|portio|effect` (also under
// Bun and Deno, where "raw" is Bun.listen / Deno.listen: raw-bun.mjs, raw-deno.mjs). Prints "PORT <n>" once listening; exits
// when stdin closes (the parent went away) or on SIGTERM.
import { rawModule } from "./runtime.mjs";

const variant = process.argv[2];
// "fresh" (Deno only): raw-deno.mjs's server reading each bulk chunk into a new buffer.
const modules = { raw: rawModule, portio: "./portio.mjs", effect: "./effect.mjs", fresh: "./raw-deno.mjs" };
if (!Object.hasOwn(modules, variant) || (variant === "fresh" && !("Deno" in globalThis))) {
  console.error("usage: server.mjs raw|portio|effect|fresh (fresh: Deno only)");
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
