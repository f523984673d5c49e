// The parent: creates a listening TCP socket with plain node:net, passes it to a child process as
// fd 3, and closes its own copy; the child adopts it with portio's wrapServerSocket and echoes.
// The parent then talks to the child through the port it bound, and stops it. Exits 0 when the
// echo came back right.
//
//   node examples/adopt/parent.mjs        (after `pnpm run build`)
// @ts-check
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";

const server = net.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
const { port } = /** @type {net.AddressInfo} */ (server.address());

// spawn's stdio passes sockets as they are; a listening server goes by its fd number.
const fd = /** @type {{ _handle: { fd: number } }} */ (/** @type {unknown} */ (server))._handle.fd;
const child = spawn(process.execPath, [fileURLToPath(new URL("child.mjs", import.meta.url))], {
  stdio: ["ignore", "inherit", "inherit", fd],
});
server.close(); // the child holds the socket now; the port stays bound

const reply = await new Promise((resolve, reject) => {
  const client = net.connect(port, "127.0.0.1", () => client.end("hello through an adopted socket"));
  let text = "";
  client.on("data", (chunk) => (text += chunk));
  client.on("end", () => resolve(text));
  client.on("error", reject);
});
console.log(`parent: got back ${JSON.stringify(reply)}`);

child.kill("SIGTERM");
const code = await new Promise((resolve) => child.once("exit", resolve));
const ok = reply === "hello through an adopted socket" && code === 0;
console.log(ok ? "parent: ok" : `parent: FAILED (child exit code ${code})`);
process.exit(ok ? 0 : 1);
