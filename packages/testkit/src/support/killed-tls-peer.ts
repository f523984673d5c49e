import { BrokenResourceError, EndOfStream, connectTcp, type TLSStream } from "@portio/core";
import { fail, ok } from "../assert.ts";
import type { CaseContext } from "../context.ts";
import { utf8 } from "./bytes.ts";
import { certificates } from "./tls.ts";

/**
 * Python lines that make `listener`, listening on 127.0.0.1 with a free port, and print the port
 * (the first line {@link startPythonPeer} reads).
 */
export const LISTEN_ON_LOOPBACK = `listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)`;

/**
 * A TLS server (Python's ssl, i.e. OpenSSL) that serves each connection in a forked child. The
 * child reads one command byte and then kills itself with SIGKILL, so the kernel closes the
 * connection with a bare FIN and nothing of the TLS layer runs: "k" dies at once, "r" first
 * sends one record ("last words"). It prints its port, then serves until it is killed.
 */
const PEER_SCRIPT = `
import os, signal, socket, ssl, sys, tempfile
pem = sys.stdin.read()
with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
    f.write(pem)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(f.name)
os.unlink(f.name)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
${LISTEN_ON_LOOPBACK}
while True:
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if os.fork() == 0:
        listener.close()
        try:
            session = context.wrap_socket(conn, server_side=True)
            if session.recv(1) == b"r":
                session.sendall(b"last words")
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    conn.close()
`;

/** The record the peer sends before it dies in "r" mode. */
export const LAST_WORDS = "last words";

/** Starts `python3 -c script` with `stdin` (killed after the case) and resolves with the port it printed. */
export async function startPythonPeer(t: CaseContext, script: string, stdin: string): Promise<number> {
  const peer = await t.harness.spawnProcess!("python3", ["-c", script], { stdin });
  t.defer(() => peer.kill());
  const line = await peer.readLine();
  const port = Number(line);
  if (!Number.isInteger(port) || port <= 0) return fail(`the TLS peer did not start (python3 printed ${JSON.stringify(line)})`);
  return port;
}

/** Starts the peer (killed after the case) and resolves with its port. */
export async function startKilledTlsPeer(t: CaseContext): Promise<number> {
  const c = await certificates(t);
  return startPythonPeer(t, PEER_SCRIPT, c.serverCert + c.serverKey);
}

/**
 * One connection to the peer: the command goes out and the receive is pending before the peer
 * can act on it, so the peer's death always meets a waiting receive. Resolves with the plaintext
 * received before the end and how the stream ended.
 */
export async function receiveUntilKilled(port: number, command: "k" | "r", ca: string): Promise<{ text: string; end: unknown }> {
  const stream: TLSStream = await connectTcp("127.0.0.1", port, { tls: { ca, hostname: "localhost" } });
  try {
    await stream.send(utf8(command));
    return await receiveUntilEnd(stream);
  } finally {
    await stream.aclose();
  }
}

/** Receives until receive() fails; resolves with the plaintext received and the error it ended with. */
export async function receiveUntilEnd(stream: TLSStream): Promise<{ text: string; end: unknown }> {
  let text = "";
  for (;;) {
    try {
      text += new TextDecoder().decode(await stream.receive());
    } catch (end) {
      return { text, end };
    }
  }
}

/** Fails unless the end was reported as truncation (BrokenResourceError naming close_notify). */
export function expectTruncation(outcome: { text: string; end: unknown }, expectedText: string, attempt: number): void {
  if (outcome.end instanceof EndOfStream) {
    fail(`attempt ${attempt}: a peer killed without close_notify was reported as EndOfStream: truncation went unnoticed`);
  }
  ok(outcome.end instanceof BrokenResourceError, `attempt ${attempt}: expected BrokenResourceError, got ${String(outcome.end)}`);
  ok(
    /close_notify/.test((outcome.end as Error).message),
    `attempt ${attempt}: the error names the missing close_notify: ${(outcome.end as Error).message}`,
  );
  ok(
    outcome.text === expectedText,
    `attempt ${attempt}: received ${JSON.stringify(outcome.text)}, expected ${JSON.stringify(expectedText)}`,
  );
}
