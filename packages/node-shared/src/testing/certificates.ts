/**
 * Test certificates, made fresh by Debian's `openssl` CLI every time the tests run, so that no key
 * material is ever committed: a CA, a server certificate for localhost / 127.0.0.1 / ::1 and a
 * client certificate for mutual TLS, both signed by the CA. Over node:child_process and node:fs,
 * which Node, Bun and Deno (with --allow-run, --allow-read, --allow-write) all provide.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSTestCertificates } from "@portio/testkit";

function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "");
    throw new Error(`openssl ${args[0]} failed (is Debian's openssl installed? apt-get install -y openssl): ${stderr}`, {
      cause: error,
    });
  }
}

/**
 * Generates the set (EC P-256 keys, valid one day). Takes a few tens of milliseconds. On Bun the
 * first child process opens Bun's spawn event loop fds for good, so a harness that counts fds per
 * case generates the set before the cases run.
 *
 * @example
 * ```ts
 * const certificates = generateTestCertificates();
 * const server = await TLSStream.wrap(stream, { serverSide: true, cert: certificates.serverCert, key: certificates.serverKey });
 * ```
 */
export function generateTestCertificates(): TLSTestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "portio-tls-"));
  try {
    const key = (name: string) =>
      openssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name]);
    key("ca.key");
    openssl(dir, [
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-days",
      "1",
      "-subj",
      "/CN=portio test CA",
      "-out",
      "ca.pem",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const leaf = (name: string, subject: string, extensions: string) => {
      key(`${name}.key`);
      openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.pem`,
      ]);
    };
    leaf(
      "server",
      "/CN=localhost",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
    );
    leaf(
      "client",
      "/CN=portio test client",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
