import { certificates } from "./tls.ts";
import type { CaseContext } from "../context.ts";
import { LISTEN_ON_LOOPBACK, startPythonPeer } from "./killed-tls-peer.ts";

/**
 * A TLS server in another process (Python's ssl, i.e. OpenSSL) that requires a client
 * certificate signed by the test CA, as a Redis or PostgreSQL server set up for mutual TLS does.
 * A client without one completes its side of a TLS 1.3 handshake, then gets the
 * "certificate required" alert, and the server closes the socket with the client's first bytes
 * unread, so the kernel answers them with a reset: the alert and the reset race each other at the
 * client. It prints its port, then serves until it is killed.
 */
const PEER_SCRIPT = `
import socket, ssl, sys, tempfile, os
server_pem, ca = sys.stdin.read().split("\\n=====\\n")
with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
    f.write(server_pem)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(f.name)
os.unlink(f.name)
context.load_verify_locations(cadata=ca)
context.verify_mode = ssl.CERT_REQUIRED
${LISTEN_ON_LOOPBACK}
while True:
    conn, _ = listener.accept()
    try:
        session = context.wrap_socket(conn, server_side=True)
        session.close()
    except (ssl.SSLError, OSError):
        conn.close()
`;

/** Starts the peer (killed after the case) and resolves with its port. */
export async function startCertRequiringTlsPeer(t: CaseContext): Promise<number> {
  const c = await certificates(t);
  return startPythonPeer(t, PEER_SCRIPT, `${c.serverCert}${c.serverKey}\n=====\n${c.ca}`);
}
