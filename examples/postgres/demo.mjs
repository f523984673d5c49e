// Connects to a running PostgreSQL server with TLS (SSLRequest, then TLS on the same connection)
// and runs one query that also asks the server whether this session is encrypted. Exits 0 when
// the answers are right. The test (test/examples.test.ts) starts PostgreSQL and runs this on
// Node, Deno and Bun:
//
//   PGPORT=5432 PGCA=/path/ca.pem node examples/postgres/demo.mjs
//   deno run --allow-net --allow-env --allow-read examples/postgres/demo.mjs
//   bun examples/postgres/demo.mjs
// @ts-check
import { PgConnection } from "./pg-client.mjs";

const env = (/** @type {string} */ name) =>
  // @ts-expect-error Deno's env API where there is no process
  globalThis.process?.env?.[name] ?? globalThis.Deno?.env.get(name);
const readText = async (/** @type {string} */ path) =>
  // @ts-expect-error Deno's file API where there is no node:fs
  globalThis.Deno ? globalThis.Deno.readTextFile(path) : (await import("node:fs/promises")).readFile(path, "utf8");

const ca = await readText(env("PGCA") ?? "");
const pg = await PgConnection.connect({
  host: "127.0.0.1",
  port: Number(env("PGPORT") ?? 5432),
  user: env("PGUSER") ?? "postgres",
  database: "postgres",
  tls: { ca, hostname: "localhost" },
});
let ok = false;
try {
  console.log(`postgres demo: connected over TLS to PostgreSQL ${pg.parameters.server_version}`);
  const result = await pg.query("SELECT 1 + 1 AS two, ssl::text AS encrypted FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  console.log(`postgres demo: ${JSON.stringify(result)}`);
  ok = JSON.stringify(result) === JSON.stringify({ columns: ["two", "encrypted"], rows: [["2", "true"]] });
} finally {
  await pg.close();
}
console.log(ok ? "postgres demo: all answers right" : "postgres demo: FAIL, unexpected answer");
if (!ok) {
  if (globalThis.process) process.exitCode = 1;
  // @ts-expect-error Deno's exit where there is no process (no Deno types in this Node-typed check)
  else globalThis.Deno.exit(1);
}
