/**
 * The examples that talk to real servers, run unchanged on Node, Bun and Deno: each test starts
 * the server from Debian's package (on a free loopback port, in a temp dir), runs the example's
 * demo under every runtime against it, and stops the server. The demos load the BUILT `portio`
 * package (`pnpm test` builds first; without a build these tests are skipped, and say so).
 * .ci/run installs redis-server and postgresql when they are missing.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCertificates } from "@portio/node-shared/testing";

const root = fileURLToPath(new URL("../", import.meta.url));
const built = existsSync(`${root}packages/portio/dist/node.js`);
const noBuild = "packages/portio/dist is missing: run `pnpm build` first (`pnpm test` does)";

/** Each runtime's command for a demo script. */
const runtimes: ReadonlyArray<[string, string, string[]]> = [
  ["Node", process.execPath, []],
  ["Bun", `${root}node_modules/.bin/bun`, []],
  ["Deno", `${root}node_modules/deno/deno`, ["run", "--allow-net", "--allow-env", "--allow-read"]],
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs `script` under a runtime with `env`; resolves with its output, rejects with it on failure. */
function runDemo(command: string, args: string[], script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, script],
      { cwd: root, timeout: 60_000, env: { ...process.env, ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${script} failed (${error.message}):\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Starts a server process and waits until it prints `ready` (on stdout or stderr). */
function startServer(
  command: string,
  args: string[],
  ready: RegExp,
  options: { uid?: number; gid?: number } = {},
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let output = "";
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (ready.test(output)) {
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) =>
      reject(new Error(`${command} did not start (is Debian's package installed? .ci/run installs it): ${error.message}`)),
    );
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`)));
  });
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe.skipIf(!built)(`examples/redis against redis-server${built ? "" : ` (skipped: ${noBuild})`}`, () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "portio-redis-"));
    const certificates = generateTestCertificates();
    await writeFile(join(dir, "ca.pem"), certificates.ca);
    await writeFile(join(dir, "server.pem"), certificates.serverCert);
    await writeFile(join(dir, "server.key"), certificates.serverKey);
    const [port, tlsPort] = [await freePort(), await freePort()];
    server = await startServer(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--tls-port",
        String(tlsPort),
        "--tls-cert-file",
        join(dir, "server.pem"),
        "--tls-key-file",
        join(dir, "server.key"),
        "--tls-ca-cert-file",
        join(dir, "ca.pem"),
        "--tls-auth-clients",
        "no",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--logfile",
        "",
      ],
      /Ready to accept connections/,
    );
    env = { REDIS_PORT: String(port), REDIS_TLS_PORT: String(tlsPort), REDIS_CA: join(dir, "ca.pem") };
  }, 30_000);

  afterAll(async () => {
    await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, command, args] of runtimes) {
    it(`runs on ${name}: SET/GET, a 100-command pipeline, pub/sub, TLS`, async () => {
      const output = await runDemo(command, args, "examples/redis/demo.mjs", env);
      expect(output).toContain("redis demo: all answers right");
      expect(output).not.toContain("FAIL");
    }, 60_000);
  }
});

/** Debian's PostgreSQL server binaries (initdb, postgres), newest major first. */
function postgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((major) => `${base}/${major}/bin`).find((bin) => existsSync(`${bin}/initdb`));
}

/** PostgreSQL refuses to run as root: the cluster belongs to user nobody. */
const NOBODY = 65534;

function runAs(command: string, args: string[], uid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { uid, gid: uid, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

describe.skipIf(!built)(`examples/postgres against PostgreSQL${built ? "" : ` (skipped: ${noBuild})`}`, () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    const bin = postgresBin();
    if (bin === undefined) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)");
    dir = await mkdtemp(join(tmpdir(), "portio-pg-"));
    const data = join(dir, "data");
    const certificates = generateTestCertificates();
    await writeFile(join(dir, "ca.pem"), certificates.ca);
    await writeFile(join(dir, "server.pem"), certificates.serverCert);
    // The key must belong to the server's user and be private to it.
    await writeFile(join(dir, "server.key"), certificates.serverKey, { mode: 0o600 });
    for (const path of [dir, join(dir, "server.pem"), join(dir, "server.key")]) await chown(path, NOBODY, NOBODY);
    await runAs(`${bin}/initdb`, ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], NOBODY);
    const port = await freePort();
    server = await startServer(
      `${bin}/postgres`,
      [
        "-D",
        data,
        "-p",
        String(port),
        "-h",
        "127.0.0.1",
        "-k",
        dir,
        "-c",
        "ssl=on",
        "-c",
        `ssl_cert_file=${join(dir, "server.pem")}`,
        "-c",
        `ssl_key_file=${join(dir, "server.key")}`,
        "-c",
        "fsync=off",
      ],
      /database system is ready to accept connections/,
      { uid: NOBODY, gid: NOBODY },
    );
    env = { PGPORT: String(port), PGCA: join(dir, "ca.pem"), PGUSER: "postgres" };
  }, 60_000);

  afterAll(async () => {
    await stopServer(server);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  for (const [name, command, args] of runtimes) {
    it(`runs on ${name}: SSLRequest, TLS on the same connection, startup, one query`, async () => {
      const output = await runDemo(command, args, "examples/postgres/demo.mjs", env);
      expect(output).toContain("postgres demo: all answers right");
    }, 60_000);
  }
});
