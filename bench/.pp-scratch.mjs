// scratch: one variant's ping-pong client against a running server (not committed)
const [variant, port, count] = process.argv.slice(2);
const mod = await import(variant === "raw" ? "./raw.mjs" : variant === "raw-bun" ? "./raw-bun.mjs" : variant === "raw-deno" ? "./raw-deno.mjs" : "./portio.mjs");
await mod.pingPong(Number(port), 2000, 64);
const c0 = process.cpuUsage();
const s = await mod.pingPong(Number(port), Number(count), 64);
const c = process.cpuUsage(c0);
console.log(variant, (Number(count) / s).toFixed(0), "rt/s", ((c.user + c.system) / Number(count)).toFixed(2), "µs/rt client");
process.exit(0);
