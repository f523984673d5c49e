// @ts-check
// A benchmark server in its own process: `node bench/server.mjs raw|raw-awaited|portio|effect|fresh` (also under
// Bun and Deno, where "raw" is Bun.listen / Deno.listen: raw-bun.mjs, raw-deno.mjs). Prints "PORT <n>" once listening; exits
// when stdin closes (the parent went away) or on SIGTERM. A "cpu" line on stdin is answered with
// "CPU <µs>", this process's CPU time so far (user + system), so the parent can charge each job
// the server's CPU as well as its own.
import { rawAwaitedModule, rawModule } from "./runtime.mjs";

const variant = process.argv[2];
// "fresh" (Deno only): raw-deno.mjs's server reading each bulk chunk into a new buffer.
const modules = {
  raw: rawModule,
  "raw-awaited": rawAwaitedModule,
  portio: "./portio.mjs",
  effect: "./effect.mjs",
  fresh: "./raw-deno.mjs",
};
if (!Object.hasOwn(modules, variant) || modules[variant] === undefined || (variant === "fresh" && !("Deno" in globalThis))) {
  console.error("usage: server.mjs raw|raw-awaited|portio|effect|fresh (fresh: Deno only)");
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
let lines = "";
process.stdin.on("data", (data) => {
  lines += data;
  for (let nl = lines.indexOf("\n"); nl >= 0; nl = lines.indexOf("\n")) {
    if (lines.slice(0, nl) === "cpu") {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`CPU ${user + system}\n`);
    }
    lines = lines.slice(nl + 1);
  }
});
process.stdin.resume();
process.on("SIGTERM", close);
