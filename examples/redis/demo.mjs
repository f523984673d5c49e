// Talks to a running Redis server: SET/GET, a pipeline of 100 commands, pub/sub between two
// connections, and (when REDIS_TLS_PORT is set) the same over TLS. Exits 0 when every answer was
// right. The test (test/examples.test.ts) starts redis-server and runs this on Node, Deno and Bun:
//
//   REDIS_PORT=6379 [REDIS_TLS_PORT=6380 REDIS_CA=/path/ca.pem] node examples/redis/demo.mjs
//   deno run --allow-net --allow-env --allow-read examples/redis/demo.mjs
//   bun examples/redis/demo.mjs
// @ts-check
import { RedisClient, RedisError } from "./redis-client.mjs";

const env = (/** @type {string} */ name) =>
  // @ts-expect-error Deno's env API where there is no process
  globalThis.process?.env?.[name] ?? globalThis.Deno?.env.get(name);
const readText = async (/** @type {string} */ path) =>
  // @ts-expect-error Deno's file API where there is no node:fs
  globalThis.Deno ? globalThis.Deno.readTextFile(path) : (await import("node:fs/promises")).readFile(path, "utf8");

const host = "127.0.0.1";
const port = Number(env("REDIS_PORT") ?? 6379);
const failures = [];
const expect = (/** @type {string} */ what, /** @type {unknown} */ actual, /** @type {unknown} */ expected) => {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  console.log(`redis demo: ${ok ? "ok  " : "FAIL"} ${what}: ${JSON.stringify(actual)}`);
  if (!ok) failures.push(what);
};

const redis = await RedisClient.connect({ host, port });
try {
  expect("SET", await redis.command("SET", "portio:greeting", "héllo"), "OK");
  expect("GET", await redis.command("GET", "portio:greeting"), "héllo");
  await redis.command("DEL", "portio:counter");
  const replies = await redis.pipeline(Array.from({ length: 100 }, () => ["INCR", "portio:counter"]));
  expect("pipeline of 100 INCR, last reply", replies.at(-1), 100);
  const mixed = await redis.pipeline([["PING"], ["NOSUCHCOMMAND"], ["PING"]]);
  expect(
    "an error reply in a pipeline stays in its place",
    mixed.map((reply) => (reply instanceof RedisError ? reply.message.slice(0, 3) : reply)),
    ["PONG", "ERR", "PONG"],
  );

  // pub/sub: one connection subscribes, the other publishes.
  const subscriber = await RedisClient.connect({ host, port });
  const messages = subscriber.subscribe("portio:news");
  const first = messages.next(); // sends SUBSCRIBE and waits for the first message
  // PUBLISH answers with the number of subscribers: publish until the subscription is active.
  while ((await redis.command("PUBLISH", "portio:news", "first")) === 0);
  const received = [(await first).value?.message];
  for (const text of ["second", "third"]) await redis.command("PUBLISH", "portio:news", text);
  for (let i = 0; i < 2; i++) received.push((await messages.next()).value?.message);
  expect("pub/sub messages", received, ["first", "second", "third"]);
  await subscriber.close();

  const tlsPort = env("REDIS_TLS_PORT");
  if (tlsPort) {
    const ca = await readText(env("REDIS_CA") ?? "");
    const secure = await RedisClient.connect({ host, port: Number(tlsPort), tls: { ca, hostname: "localhost" } });
    expect("PING over TLS", await secure.command("PING"), "PONG");
    expect("GET over TLS", await secure.command("GET", "portio:greeting"), "héllo");
    await secure.close();
  }
} finally {
  await redis.close();
}
console.log(failures.length === 0 ? "redis demo: all answers right" : `redis demo: ${failures.length} wrong`);
if (failures.length > 0) {
  if (globalThis.process) process.exitCode = 1;
  // @ts-expect-error Deno's exit where there is no process (no Deno types in this Node-typed check)
  else globalThis.Deno.exit(1);
}
