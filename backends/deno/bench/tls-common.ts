// What the Deno TLS benchmarks (tls.ts, tls-layers.ts) share: the certificates (made with the openssl CLI at
// start, nothing stored) and the floor's transport.
import { Duplex } from "node:stream";

/** How the benchmarks run a script of theirs in a child: imports resolve as in the parent (workspace sources). */
export const DENO_RUN = [
  "run",
  "--allow-all",
  "--no-config",
  "--no-lock",
  "--no-check",
  "--node-modules-dir=manual",
  "--conditions=portio-source",
];

/**
 * Starts tls.ts's server child (raw Deno.listenTls with `certificate`) serving `mib` MiB
 * downloads; resolves once it listens, with its port and the child.
 */
export async function startServer(
  mib: number,
  certificate: { cert: string; key: string },
): Promise<{ port: number; child: Deno.ChildProcess }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, new URL("./tls.ts", import.meta.url).pathname, "--server-child"],
    env: { MIB: String(mib) },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(certificate)));
  await writer.close();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server child exited before printing its port");
    text += value;
  }
  reader.releaseLock();
  return { port: Number(text.trim()), child };
}

/** The floor's read size. */
const CHUNK = 64 * 1024;

/** Writes all of `data` on `conn`. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; ) offset += await conn.write(data.subarray(offset));
}

/** A CA and a leaf certificate for localhost signed by it (rustls refuses a CA as the server's certificate). */
export function makeCertificate(): { ca: string; cert: string; key: string } {
  const dir = Deno.makeTempDirSync({ prefix: "portio-bench-tls-" });
  const openssl = (...args: string[]): void => {
    const result = new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" }).outputSync();
    if (!result.success) throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(result.stderr)}`);
  };
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=portio bench CA");
    openssl("req", ...ec, "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost");
    Deno.writeTextFileSync(`${dir}/leaf.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-extfile",
      "leaf.ext",
    );
    const read = (name: string) => Deno.readTextFileSync(`${dir}/${name}`);
    return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The floor's transport: a raw Deno.Conn as the plain Duplex node:tls runs over (see the header). */
export class ConnDuplex extends Duplex {
  /** Set before the conn's end reaches the engine: a TLS 'end' after it is a ragged EOF. */
  transportEnded = false;
  readonly #conn: Deno.Conn;
  #reading = false;

  constructor(conn: Deno.Conn) {
    super({ allowHalfOpen: true });
    this.#conn = conn;
    // The end is the engine's once it has taken every byte before it: this Duplex's own 'end',
    // whose first listener runs before node:tls's (the engine may not have processed what was
    // pushed before the conn's end when that end is pushed).
    this.once("end", () => {
      this.transportEnded = true;
    });
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const buffer = new Uint8Array(CHUNK);
        const n = await this.#conn.read(buffer);
        if (n === null) {
          this.push(null);
          return;
        }
        if (!this.push(buffer.subarray(0, n))) break;
      }
    } catch (error) {
      this.destroy(error as Error);
    }
    this.#reading = false;
  }

  override _write(chunk: Uint8Array, _encoding: string, callback: (error?: Error | null) => void): void {
    writeAll(this.#conn, chunk).then(() => callback(), callback);
  }

  override _final(callback: () => void): void {
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    callback(error);
  }
}
