// The README's first command: starts the echo server on 127.0.0.1 (a free port), runs the client
// against it, closes everything and exits 0 (non-zero if an echo came back wrong).
//
//   node examples/echo/demo.mjs        (after `pnpm build`; `pnpm demo` does both)
// @ts-check
import { runEchoClient } from "./client.mjs";
import { startEchoServer } from "./server.mjs";

// If something leaked a handle, the process would not exit by itself: say so instead of hanging.
const watchdog = setTimeout(() => {
  console.error("demo: still running after 15 s; something was not closed");
  process.exit(1);
}, 15_000);
watchdog.unref?.();

const lines = ["hello, portio", "échos: ünïcödé ✓", "x".repeat(1000)];
const server = await startEchoServer({ host: "127.0.0.1", port: 0 });
console.log(`demo: echo server listening on 127.0.0.1:${server.port}`);
try {
  const replies = await runEchoClient({ host: "127.0.0.1", port: server.port, lines });
  const ok = replies.length === lines.length && replies.every((r, i) => r === lines[i]);
  console.log(ok ? `demo: all ${lines.length} lines came back intact` : "demo: an echo did not match what was sent");
  if (!ok) process.exitCode = 1;
} finally {
  await server.stop();
  console.log("demo: server stopped, exiting");
}
