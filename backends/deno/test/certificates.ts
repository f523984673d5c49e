/**
 * Test certificates, made fresh by Debian's `openssl` CLI on every run (no key material is ever
 * committed): a CA, a server certificate for localhost / 127.0.0.1 / ::1 and a client certificate
 * for mutual TLS, both signed by the CA. Deno's version of the Node test helper (needs --allow-run).
 */
import type { TlsTestCertificates } from "@portio/testkit";

function openssl(cwd: string, args: string[]): void {
  const { success, stderr } = new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" }).outputSync();
  if (!success) {
    throw new Error(`openssl ${args[0]} failed (is Debian's openssl installed? apt-get install -y openssl): ${new TextDecoder().decode(stderr)}`);
  }
}

/** Generates the set (EC P-256 keys, valid one day). */
export function generateTestCertificates(): TlsTestCertificates {
  const dir = Deno.makeTempDirSync({ prefix: "portio-tls-" });
  try {
    const key = (name: string) => openssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name]);
    key("ca.key");
    openssl(dir, ["req", "-x509", "-new", "-key", "ca.key", "-days", "1", "-subj", "/CN=portio test CA", "-out", "ca.pem",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const leaf = (name: string, subject: string, extensions: string) => {
      key(`${name}.key`);
      openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
      Deno.writeTextFileSync(`${dir}/${name}.ext`, extensions);
      openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.pem`]);
    };
    leaf("server", "/CN=localhost",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
    leaf("client", "/CN=portio test client", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
    const read = (name: string) => Deno.readTextFileSync(`${dir}/${name}`);
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
