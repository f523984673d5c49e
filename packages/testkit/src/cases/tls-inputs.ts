import {
  BrokenResourceError,
  EndOfStream,
  TLSListener,
  TLSStream,
  connectTcp,
  type SocketStream,
  type TLSOptions,
} from "@portio/core";
import { describe, fail, instanceOf, ok, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { exchange, outcome } from "../support/io.ts";
import { loopbackListener, tcpPair } from "../support/tcp.ts";
import { certificates, clientOptions, handshakeWithoutClientCertificate, serverOptions, tlsPair } from "../support/tls.ts";

/** The whole message of an error and its causes, for matching. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" <- ");
}

/**
 * TLS inputs every runtime must judge alike: PEM text that is not a certificate or key is refused
 * before the stream is touched (Deno's node:tls used to ignore a junk client certificate), and a
 * client refused for lacking a certificate is told so.
 */
export const tlsInputsSuite: SuiteDefinition = {
  suite: "tls-inputs",
  cases: [
    {
      name: "junk-pem-refused",
      description:
        "a cert, key or ca that is not PEM (or a PEM block that is not base64) is a TypeError from TLSStream.wrap, connectTcp({ tls }) and new TLSListener, on both sides; the plain stream is left untouched",
      async run(t) {
        const c = await certificates(t);
        const [client, server] = await tcpPair(t);
        const broken = "-----BEGIN CERTIFICATE-----\n@@not base64@@\n-----END CERTIFICATE-----\n";
        const clientCases: Array<[string, TLSOptions]> = [
          ["cert", { cert: "junk", key: c.clientKey }],
          ["key", { cert: c.clientCert, key: "junk" }],
          ["cert and key", { cert: "junk", key: "junk" }],
          ["ca", { ca: "junk" }],
          ["cert with a broken block", { cert: broken, key: c.clientKey }],
          ["key that is a certificate", { cert: c.clientCert, key: c.clientCert }],
        ];
        for (const [what, extra] of clientCases) {
          await rejects(
            TLSStream.wrap(client, await clientOptions(t, extra)),
            TypeError,
            undefined,
            `client with a junk ${what}`,
          );
        }
        await rejects(
          TLSStream.wrap(server, await serverOptions(t, { key: "junk" })),
          TypeError,
          "key",
          "server with a junk key",
        );
        await rejects(
          TLSStream.wrap(server, await serverOptions(t, { cert: [c.serverCert, "junk"] })),
          TypeError,
          "cert[1]",
          "server chain",
        );
        // Nothing was sent or closed: the plain TCP pair still works.
        await exchange(client, server);

        const { multi, host, port } = await loopbackListener(t);
        await rejects(
          connectTcp(host, port, { tls: { ca: c.ca, cert: "junk", key: "junk" }, tlsHostname: "localhost" }),
          TypeError,
          "cert",
          "connectTcp",
        );
        let listener: TLSListener<SocketStream> | undefined;
        try {
          listener = new TLSListener(multi, { cert: "junk", key: c.serverKey });
        } catch (error) {
          instanceOf(error, TypeError, "new TLSListener with a junk cert");
        }
        if (listener !== undefined) fail("new TLSListener accepted a junk cert");
      },
    },
    {
      name: "unwrap-signal",
      description: "unwrap() with a signal that is not an AbortSignal is a TypeError; the TLS stream still works",
      async run(t) {
        const [client, server] = await tlsPair(t);
        await rejects(client.unwrap({ signal: "junk" } as never), TypeError, "AbortSignal", "unwrap()");
        await exchange(client, server);
      },
    },
    {
      name: "client-certificate-required",
      description:
        "a client without a certificate, refused by a server that requires one, learns it from a BrokenResourceError that speaks of the certificate (not of standardCompatible)",
      async run(t) {
        const [client, server] = await handshakeWithoutClientCertificate(t);
        if (server.status === "fulfilled") fail("the server accepted a client without a certificate");
        let error: unknown;
        if (client.status === "rejected") error = client.reason;
        else {
          // TLS 1.3: the client finishes first and learns of the refusal on its next read.
          error = await outcome(client.value.receive());
        }
        ok(!(error instanceof EndOfStream), `the refused client got ${describe(error)}, not an error`);
        instanceOf(error, BrokenResourceError, "the refused client's error");
        const text = messages(error);
        ok(/certificate/i.test(text), `the client's error names the certificate: ${text}`);
        ok(!text.includes("standardCompatible"), `the client's error does not point at standardCompatible: ${text}`);
      },
    },
  ],
};
