import {
  BrokenResourceError,
  BufferedByteStream,
  EndOfStream,
  SocketAttribute,
  SocketStream,
  TLSAttribute,
  TLSListener,
  TLSStream,
  StapledByteStream,
  UnsupportedError,
  connectTcp,
  type AnyByteStream,
  type TLSOptions,
  type TypedAttribute,
} from "@portio/core";
import { atMost, bytesEqual, deepEqual, equal, fail, instanceOf, match, ok, rejects } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { concat, pattern, utf8 } from "../support/bytes.ts";
import { deferred } from "@portio/core/backend";
import { exchange, outcome, receiveAll, receiveExactly } from "../support/io.ts";
import { startServing } from "../support/serving.ts";
import { sendUntilBlocked } from "../support/stall.ts";
import { loopbackListener, perFamily, tcpPair } from "../support/tcp.ts";
import {
  certificates,
  clientOptions,
  connectionPair,
  handshakePair,
  handshakeWithoutClientCertificate,
  memoryPair,
  serverOptions,
  tlsPair,
} from "../support/tls.ts";
import { startCertRequiringTlsPeer } from "../support/cert-requiring-peer.ts";
import {
  LAST_WORDS,
  expectTruncation,
  receiveUntilEnd,
  receiveUntilKilled,
  startKilledTlsPeer,
} from "../support/killed-tls-peer.ts";

const MiB = 1024 * 1024;

/** How often the refusal by a server in another process is tried: the alert and the reset race. */
const REFUSAL_ITERATIONS = 30;

/** AnyIO's test_ragged_eofs parameters: [id, server standard-compatible, client standard-compatible]. */
const RAGGED: ReadonlyArray<[string, boolean, boolean]> = [
  ["both_standard", true, true],
  ["server_standard", true, false],
  ["client_standard", false, true],
  ["neither_standard", false, false],
];

/** A TLSListener that records handshake failures instead of logging them. */
class RecordingTLSListener extends TLSListener {
  readonly failures: Array<{ error: unknown; stream: AnyByteStream }> = [];
  readonly failed = deferred();

  override async handleHandshakeError(error: unknown, stream: AnyByteStream): Promise<void> {
    this.failures.push({ error, stream });
    await stream.aclose();
    this.failed.resolve();
  }
}

/**
 * How often the truncation cases repeat: the end of a connection races the processing of the
 * records before it, and a check that loses the race only now and then must fail here.
 */
const TRUNCATION_ATTEMPTS = 200;

const truncationCases: CaseDefinition[] = [false, true].flatMap((recordFirst): CaseDefinition[] => {
  const variant = recordFirst ? "record-first" : "no-record";
  return [
    {
      name: `truncation-killed-peer[${variant}]`,
      description:
        `a TLS peer process killed (bare FIN, no close_notify) while the client's receive is pending is a BrokenResourceError ` +
        `to a default (standard-compatible) client, ${recordFirst ? "after the record it sent last, " : ""}in each of ${TRUNCATION_ATTEMPTS} connections`,
      requires: ["processes"],
      timeoutScale: 4,
      async run(t) {
        const port = await startKilledTlsPeer(t);
        const { ca } = await certificates(t);
        for (let attempt = 1; attempt <= TRUNCATION_ATTEMPTS; attempt++) {
          expectTruncation(await receiveUntilKilled(port, recordFirst ? "r" : "k", ca), recordFirst ? LAST_WORDS : "", attempt);
        }
      },
    },
    {
      name: `truncation-transport-closed[${variant}]`,
      description:
        `the TCP connection under a server's TLS session closing (no close_notify) while the client's receive is pending is a ` +
        `BrokenResourceError to a default client, ${recordFirst ? "after a record was received, " : ""}in each of ${TRUNCATION_ATTEMPTS} connections`,
      timeoutScale: 4,
      async run(t) {
        for (let attempt = 1; attempt <= TRUNCATION_ATTEMPTS; attempt++) {
          const [tcpClient, tcpServer] = await tcpPair(t);
          const [client, server] = await handshakePair(t, [tcpClient, tcpServer], await clientOptions(t), await serverOptions(t));
          // In one process the record must have arrived before the transport closes: the server's
          // send() resolves when its TLS layer has the data, which may still be on its way to TCP.
          if (recordFirst) {
            await server.send(utf8(LAST_WORDS));
            bytesEqual(await receiveExactly(client, LAST_WORDS.length), LAST_WORDS, `attempt ${attempt}: the record`);
          }
          const received = receiveUntilEnd(client);
          await tcpServer.aclose();
          expectTruncation(await received, "", attempt);
          await client.aclose();
          await server.aclose();
        }
      },
    },
  ];
});

/** How many connections the connection-path end-of-stream cases make: timing decides which branch runs. */
const CONNECTION_END_ATTEMPTS = 10;

/**
 * The end of a session on connections that are TLS from their first byte (`connectTcp({ tls })`
 * and `TLSListener`), which a backend may run natively on the socket: a close_notify stays an
 * EndOfStream even when it arrives while the client is not keeping up (its TLS layer has stopped
 * reading), and a bare end of the transport is truncation on either side.
 */
/**
 * The slow-reader case's variants: the plain `connectTcp({ tls })`, and one whose client socket is
 * bound first (`localHost`) and not standard-compatible, which is where a backend that streams
 * bound sockets through node:net runs TLS natively on the socket (Deno's node:tls lost the
 * close_notify there once the reader fell behind).
 */
const slowReaderVariants: Array<{ suffix: string; localHost?: string; client?: TLSOptions; label: string }> = [
  { suffix: "", label: "a connectTcp({ tls }) client" },
  {
    suffix: "[bound,not-standard]",
    localHost: "127.0.0.1",
    client: { standardCompatible: false },
    label: "a connectTcp({ localHost, tls: { standardCompatible: false } }) client",
  },
];

const connectionEndCases: CaseDefinition[] = [
  ...slowReaderVariants.map(
    ({ suffix, localHost, client: clientExtra, label }): CaseDefinition => ({
      name: `connection-close-notify-slow-reader${suffix}`,
      description:
        `a server (TLSListener) sends 1 MiB and closes with close_notify; ${label} that reads 4 KiB at a time, ` +
        `yielding to the event loop in between, gets every byte and then EndOfStream, in each of ${CONNECTION_END_ATTEMPTS} connections`,
      timeoutScale: 2,
      async run(t) {
        const data = pattern(MiB, 11);
        for (let attempt = 1; attempt <= CONNECTION_END_ATTEMPTS; attempt++) {
          const [client, server] = await connectionPair(t, {
            ...(localHost === undefined ? {} : { localHost }),
            ...(clientExtra === undefined ? {} : { client: clientExtra }),
          });
          const sending = (async () => {
            await server.send(data);
            await server.aclose();
          })();
          const chunks: Uint8Array[] = [];
          let end: unknown;
          // At most one round per byte plus the end.
          for (let round = 0; round <= MiB; round++) {
            try {
              chunks.push(await client.receive(4096));
            } catch (error) {
              end = error;
              break;
            }
            // Slower than the network, so that the client's TLS layer stops reading now and then.
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
          instanceOf(end, EndOfStream, `attempt ${attempt}: the end after close_notify`);
          bytesEqual(concat(chunks), data, `attempt ${attempt}: received data`);
          await sending;
          await client.aclose();
        }
      },
    }),
  ),
  {
    name: "connection-truncation-at-server",
    description:
      "the TCP connection under a connectTcp({ tls }) client ending (a FIN, no close_notify) while the TLSListener side's receive is " +
      "pending is a BrokenResourceError naming close_notify there; the client's aclose() (close_notify) is an EndOfStream",
    async run(t) {
      const [ragged, raggedServer] = await connectionPair(t);
      await ragged.send(utf8(LAST_WORDS));
      bytesEqual(await receiveExactly(raggedServer, LAST_WORDS.length), LAST_WORDS, "the record before the end");
      const pending = receiveUntilEnd(raggedServer);
      // A FIN under the TLS session (sendEof rather than aclose, which could answer the session
      // tickets still unread with a reset).
      const transport = ragged.transportStream;
      instanceOf(transport, SocketStream, "connectTcp's TLS stream runs over a SocketStream");
      await transport.sendEof();
      expectTruncation(await pending, "", 1);
      const [clean, cleanServer] = await connectionPair(t);
      const receiving = receiveUntilEnd(cleanServer);
      await clean.send(utf8(LAST_WORDS));
      await clean.aclose();
      const outcome = await receiving;
      instanceOf(outcome.end, EndOfStream, "the end after close_notify");
      equal(outcome.text, LAST_WORDS, "received text");
    },
  },
];

/**
 * STARTTLS where the plaintext answer and the peer's first TLS bytes arrive together: the peer
 * sends "S" glued to its ClientHello in one send, so this side's buffered reader holds the
 * ClientHello after reading the one-byte answer.
 */
const starttlsCases: CaseDefinition[] = (["stream", "buffered"] as const).flatMap((wrapped) =>
  [true, false].map(
    (standardCompatible): CaseDefinition => ({
      name: `starttls-after-buffered-read[${wrapped},${standardCompatible ? "standard" : "not-standard"}]`,
      description:
        `after a one-byte answer was read through a BufferedByteStream that also took the peer's ClientHello, ` +
        `TLSStream.wrap of the ${wrapped === "stream" ? "stream under it" : "BufferedByteStream"} loses none of the buffered bytes: ` +
        "the handshake completes and data flows",
      async run(t) {
        const [peerRaw, ownRaw] = await tcpPair(t);
        let first = true;
        // The peer's first send (its ClientHello) goes out right behind the answer, in one send.
        const gluing = {
          extraAttributes: peerRaw.extraAttributes,
          extra: peerRaw.extra.bind(peerRaw),
          send: (data: Uint8Array) => {
            const out = first ? concat([utf8("S"), data]) : data;
            first = false;
            return peerRaw.send(out);
          },
          sendEof: () => peerRaw.sendEof(),
          aclose: () => peerRaw.aclose(),
          [Symbol.asyncDispose]: () => peerRaw.aclose(),
        };
        const peerStream = t.use(new StapledByteStream(gluing, peerRaw));
        const peer = TLSStream.wrap(peerStream, await clientOptions(t, { standardCompatible }));
        const buffered = t.use(new BufferedByteStream(ownRaw));
        // A peer that fails before it sends anything fails the case instead of leaving it waiting.
        const peerFailure = peer.then(() => new Promise<never>(() => {}));
        bytesEqual(await Promise.race([buffered.receiveExactly(1), peerFailure]), "S", "the plaintext answer");
        ok(
          buffered.buffer.byteLength > 0,
          "the buffered reader holds the start of the ClientHello (else this case tests nothing)",
        );
        const own = t.use(
          await TLSStream.wrap(wrapped === "stream" ? ownRaw : buffered, await serverOptions(t, { standardCompatible })),
        );
        const client = t.use(await peer);
        await exchange(client, own);
      },
    }),
  ),
);

const raggedCases = RAGGED.map(
  ([id, serverStandard, clientStandard]): CaseDefinition => ({
    name: `ragged-eofs[${id}]`,
    description:
      "a server that closes without close_notify is a BrokenResourceError only to a standard-compatible client; otherwise EndOfStream (AnyIO test_ragged_eofs)",
    async run(t) {
      const [client, server] = await tlsPair(t, {
        client: { standardCompatible: clientStandard },
        server: { standardCompatible: serverStandard },
      });
      await server.send(utf8("hello"));
      await server.aclose();
      bytesEqual(await receiveExactly(client, 5), "hello");
      if (clientStandard && !serverStandard) {
        await rejects(client.receive(), BrokenResourceError, "close_notify");
      } else {
        await rejects(client.receive(), EndOfStream);
      }
    },
  }),
);

/** The ways a TLS session over TCP is set up, which backends may serve by different paths. */
const SESSION_KINDS: ReadonlyArray<[string, (t: CaseContext) => Promise<[TLSStream, TLSStream]>]> = [
  ["wrap", (t) => tlsPair(t)],
  ["connection", (t) => connectionPair(t)],
  [
    "not-standard-compatible",
    (t) => tlsPair(t, { client: { standardCompatible: false }, server: { standardCompatible: false } }),
  ],
];

/**
 * A TLS sender facing a peer that does not read must stop, as a plain socket's does: a TLS engine
 * that takes every record whatever its transport can hold (Bun's node:tls over a stream) would
 * otherwise let send() queue a whole upload in memory.
 */
const tlsBackpressureCases: CaseDefinition[] = SESSION_KINDS.map(([kind, open]) => ({
  name: `backpressure[${kind}]`,
  description:
    "64 KiB TLS sends to a peer that does not read stop resolving well before 64 MiB; the reader then gets every byte in order",
  async run(t) {
    const [client, server] = await open(t);
    const [ping, pong] = await tcpPair(t);
    const chunkSize = 64 * 1024;
    const { resolvedWhileBlocked, sent, done } = await sendUntilBlocked(client, ping, pong, { chunkSize, maxChunks: 1024 });
    // No lower bound: over a transport that buffers nothing (the memory backend's) no send resolves.
    atMost(
      resolvedWhileBlocked * chunkSize,
      32 * MiB,
      "bytes accepted by send() while the peer read nothing (send must wait for the TLS engine's transport to drain)",
    );
    // The send that was blocked completes once the peer reads, and then the sender stops.
    const received = await receiveExactly(server, (resolvedWhileBlocked + 1) * chunkSize);
    await done;
    bytesEqual(received, concat(sent), "received data");
  },
}));

/** AnyIO's tests/streams/test_tls.py, the TLS cases of test_sockets.py, and portio's own. */
export const tlsSuite: SuiteDefinition = {
  suite: "tls",
  cases: [
    ...perFamily(
      "send-receive",
      "bytes go both ways through a TLS session over TCP (AnyIO test_send_receive)",
      async (t, family) => {
        const pair = await tcpPair(t, family);
        const host = family === "inet" ? "127.0.0.1" : "::1";
        const [client, server] = await handshakePair(t, pair, await clientOptions(t, { hostname: host }), await serverOptions(t));
        await exchange(client, server);
        await exchange(client, server);
      },
    ),
    {
      name: "send-receive-not-standard-compatible",
      description:
        "with standardCompatible: false on both sides (a backend's native-socket path) data flows and 1 MiB arrives intact",
      async run(t) {
        const [client, server] = await tlsPair(t, {
          client: { standardCompatible: false },
          server: { standardCompatible: false },
        });
        await exchange(client, server);
        const data = pattern(MiB, 7);
        const sending = (async () => {
          await server.send(data);
          await server.aclose();
        })();
        bytesEqual(await receiveAll(client, MiB), data, "received data");
        await sending;
      },
    },
    ...tlsBackpressureCases,
    {
      name: "large-transfer",
      description: "1 MiB each way in one send() arrives intact, in non-empty chunks",
      async run(t) {
        const [client, server] = await tlsPair(t);
        const up = pattern(MiB, 1);
        const down = pattern(MiB, 2);
        const [received] = await Promise.all([receiveExactly(server, MiB), client.send(up), server.send(down)]);
        bytesEqual(received, up, "client → server");
        bytesEqual(await receiveExactly(client, MiB), down, "server → client");
      },
    },
    ...[0, -1, 1.5].map(
      (maxBytes): CaseDefinition => ({
        name: `receive-invalid-max-bytes[${maxBytes}]`,
        description: `receive(${maxBytes}) on a TLS stream is a RangeError (AnyIO test_receive_invalid_max_bytes)`,
        async run(t) {
          const [client] = await tlsPair(t);
          await rejects(() => client.receive(maxBytes), RangeError, "maxBytes must be a positive integer");
        },
      }),
    ),
    {
      name: "extra-attributes",
      description: "a TLS stream passes every socket attribute through and adds the TLS ones (AnyIO test_extra_attributes)",
      async run(t) {
        const [tcpClient, tcpServer] = await tcpPair(t);
        const [client, server] = await handshakePair(
          t,
          [tcpClient, tcpServer],
          await clientOptions(t, { alpnProtocols: ["dummy"] }),
          await serverOptions(t, { alpnProtocols: ["dummy"] }),
        );
        for (const [tls, tcp] of [
          [client, tcpClient],
          [server, tcpServer],
        ] as const) {
          for (const attribute of Object.values(SocketAttribute) as Array<TypedAttribute<unknown>>) {
            deepEqual(tls.extra(attribute, "absent"), tcp.extra(attribute, "absent"), `${attribute.name} passes through`);
          }
          equal(tls.extra(TLSAttribute.alpnProtocol), "dummy", "alpnProtocol");
          match(tls.extra(TLSAttribute.tlsVersion), /^TLSv1\.[23]$/, "tlsVersion");
          match(tls.extra(TLSAttribute.cipher), /^TLS_/, "cipher");
          equal(tls.extra(TLSAttribute.standardCompatible), true, "standardCompatible");
        }
        equal(client.extra(TLSAttribute.serverSide), false, "client serverSide");
        equal(server.extra(TLSAttribute.serverSide), true, "server serverSide");
        const certificate = client.extra(TLSAttribute.peerCertificate);
        ok(certificate !== null, "the client sees the server's certificate");
        match(certificate.subject, "CN=localhost", "server certificate subject");
        ok(
          certificate.subjectAltNames.some((name) => name.includes("127.0.0.1")),
          "server certificate names 127.0.0.1",
        );
        instanceOf(certificate.raw, Uint8Array, "raw certificate");
        equal(server.extra(TLSAttribute.peerCertificate), null, "the server saw no client certificate");
      },
    },
    {
      name: "alpn-negotiation",
      description: "the server's choice among the client's ALPN protocols is seen by both sides (AnyIO test_alpn_negotiation)",
      async run(t) {
        const [client, server] = await tlsPair(t, {
          client: { alpnProtocols: ["h2", "http/1.1"] },
          server: { alpnProtocols: ["http/1.1", "spdy/3"] },
        });
        equal(client.extra(TLSAttribute.alpnProtocol), "http/1.1", "client alpnProtocol");
        equal(server.extra(TLSAttribute.alpnProtocol), "http/1.1", "server alpnProtocol");
      },
    },
    {
      name: "no-alpn",
      description: "without ALPN the alpnProtocol attribute is null",
      async run(t) {
        const [client, server] = await tlsPair(t);
        equal(client.extra(TLSAttribute.alpnProtocol), null, "client alpnProtocol");
        equal(server.extra(TLSAttribute.alpnProtocol), null, "server alpnProtocol");
      },
    },
    {
      name: "unwrap",
      description: "both sides unwrap; the connection then carries plaintext, none of it lost (AnyIO test_unwrap)",
      async run(t) {
        const [tcpClient, tcpServer] = await tcpPair(t);
        const [client, server] = await handshakePair(t, [tcpClient, tcpServer], await clientOptions(t), await serverOptions(t));
        await exchange(client, server);
        const serverSide = (async () => {
          const [plain, leftover] = await server.unwrap();
          equal(plain, tcpServer, "unwrap returns the wrapped stream");
          equal(leftover.byteLength, 0, "server leftover bytes");
          await plain.send(utf8("unencrypted"));
        })();
        const [plain, leftover] = await client.unwrap();
        await serverSide;
        equal(plain, tcpClient, "unwrap returns the wrapped stream");
        const rest = await receiveExactly(tcpClient, 11 - leftover.byteLength);
        bytesEqual(concat([leftover, rest]), "unencrypted", "plaintext after unwrap");
        await rejects(client.receive(), Error);
        await client.aclose();
        await tcpClient.send(utf8("x"));
        bytesEqual(await receiveExactly(tcpServer, 1), "x", "the transport is still open after closing the unwrapped TLS stream");
      },
    },
    ...raggedCases,
    ...truncationCases,
    ...connectionEndCases,
    ...starttlsCases,
    {
      name: "client-without-hostname",
      description:
        "TLSStream.wrap(stream, { ca }) without hostname is a TypeError that says a client needs hostname or serverSide: false",
      async run(t) {
        const [client] = await tcpPair(t);
        const c = await certificates(t);
        await rejects(() => TLSStream.wrap(client, { ca: c.ca }), TypeError, /client needs hostname.*serverSide: false/);
      },
    },
    {
      name: "ragged-eof-on-receive",
      description:
        "a non-standard-compatible client reads a bare end of the connection as EndOfStream (AnyIO test_ragged_eof_on_receive)",
      async run(t) {
        const [tcpClient, tcpServer] = await tcpPair(t);
        const [client] = await handshakePair(
          t,
          [tcpClient, tcpServer],
          await clientOptions(t, { standardCompatible: false }),
          await serverOptions(t),
        );
        // The raw TCP stream closes under the server's TLS session: no close_notify at all.
        await tcpServer.aclose();
        await rejects(client.receive(), EndOfStream);
      },
    },
    {
      name: "receive-send-after-eof",
      description:
        "after the peer's close_notify receive keeps raising EndOfStream and send does not hang (AnyIO test_receive_send_after_eof)",
      async run(t) {
        const [client, server] = await tlsPair(t);
        await server.send(utf8("hello"));
        await server.aclose();
        bytesEqual(await receiveExactly(client, 5), "hello");
        await rejects(client.receive(), EndOfStream);
        await rejects(client.receive(), EndOfStream);
        const sent = await outcome(client.send(utf8("ignored")));
        if (sent !== undefined) instanceOf(sent, BrokenResourceError, "send after the peer closed");
      },
    },
    {
      name: "send-eof-not-implemented",
      description: "sendEof() on a TLS stream is an UnsupportedError that says why (AnyIO test_send_eof_not_implemented)",
      async run(t) {
        const [client] = await tlsPair(t);
        const error = await rejects(client.sendEof(), UnsupportedError);
        match(error.message, /sendEof\(\)/, "message names the call");
        match(error.message, /close_notify|TLSv1\.3/, "message says why");
      },
    },
    {
      name: "cert-check-fail",
      description:
        "a server certificate from an untrusted CA is refused: BrokenResourceError 'certificate verify failed' with the runtime's error as cause",
      async run(t) {
        const pair = await tcpPair(t);
        const [client, server] = await Promise.allSettled([
          TLSStream.wrap(pair[0], { hostname: "localhost" }), // the runtime's default roots
          TLSStream.wrap(pair[1], await serverOptions(t)),
        ]);
        if (server.status === "fulfilled") t.use(server.value);
        if (client.status === "fulfilled") fail("the handshake succeeded against an untrusted certificate");
        const error = client.reason as unknown;
        instanceOf(error, BrokenResourceError, "client handshake failure");
        match(error.message, "certificate verify failed", "message");
        ok(error.cause !== undefined, "the runtime's error is the cause");
      },
    },
    {
      name: "hostname-mismatch",
      description: "a trusted certificate for another name is refused: BrokenResourceError 'hostname mismatch'",
      async run(t) {
        const pair = await tcpPair(t);
        const [client, server] = await Promise.allSettled([
          TLSStream.wrap(pair[0], await clientOptions(t, { hostname: "not-localhost.example" })),
          TLSStream.wrap(pair[1], await serverOptions(t)),
        ]);
        if (server.status === "fulfilled") t.use(server.value);
        if (client.status === "fulfilled") fail("the handshake succeeded with the wrong hostname");
        instanceOf(client.reason, BrokenResourceError, "client handshake failure");
        match((client.reason as Error).message, "hostname mismatch", "message");
      },
    },
    {
      name: "insecure-skip-verify",
      description: "insecureSkipVerify: true accepts an untrusted certificate for another name",
      async run(t) {
        const [client, server] = await handshakePair(
          t,
          await tcpPair(t),
          { hostname: "not-localhost.example", insecureSkipVerify: true },
          await serverOptions(t),
        );
        await exchange(client, server);
      },
    },
    {
      name: "client-without-hostname",
      description: "a client with the hostname check on but no hostname is a TypeError, before any I/O",
      async run(t) {
        const [client] = await tcpPair(t);
        await rejects(() => TLSStream.wrap(client, { serverSide: false }), TypeError, "hostname");
      },
    },
    {
      name: "mutual-tls",
      description: "a server that requires a client certificate accepts one signed by its CA and sees it",
      async run(t) {
        const c = await certificates(t);
        const [client, server] = await tlsPair(t, {
          client: { cert: c.clientCert, key: c.clientKey },
          server: { ca: c.ca, requestClientCertificate: true },
        });
        await exchange(client, server);
        const seen = server.extra(TLSAttribute.peerCertificate);
        ok(seen !== null, "the server sees the client certificate");
        match(seen.subject, "portio test client", "client certificate subject");
      },
    },
    {
      name: "mutual-tls-refused",
      description: "a server that requires a client certificate refuses a client without one",
      async run(t) {
        const [client, server] = await handshakeWithoutClientCertificate(t);
        if (server.status === "fulfilled") fail("the server accepted a client without a certificate");
        instanceOf(server.reason, BrokenResourceError, "server handshake failure");
        if (client.status === "fulfilled") {
          // TLS 1.3: the client finishes first and learns of the refusal on its next read.
          const error = await outcome(client.value.receive());
          // Never EndOfStream: a refused session is not a complete stream.
          instanceOf(error, BrokenResourceError, "the client's next receive");
          ok(!/the connection failed: the connection failed/.test(error.message), `no doubled prefix: ${error.message}`);
          match(
            error.message,
            /certificate required/,
            "the message names the alert (or, where the runtime gets none, the likely one)",
          );
        }
      },
    },
    {
      name: "mutual-tls-refused-by-peer-process",
      description:
        "a server in another process that requires a client certificate refuses a client without one: every time, the client's error names the \"certificate required\" alert and has a code, also when the server's reset races the alert",
      requires: ["processes"],
      timeoutScale: 2,
      async run(t) {
        const port = await startCertRequiringTlsPeer(t);
        const c = await certificates(t);
        for (let i = 0; i < REFUSAL_ITERATIONS; i++) {
          const what = `attempt ${i + 1}`;
          let error: unknown;
          try {
            // As a client of a real server does: connect, send the first command, read the answer.
            const stream = await connectTcp("127.0.0.1", port, { tls: { ca: c.ca, hostname: "localhost" } });
            try {
              await stream.send(utf8("PING\r\n"));
              await stream.receive();
              fail(`${what}: the server answered a client without a certificate`);
            } catch (failure) {
              error = failure;
            } finally {
              await stream.aclose();
            }
          } catch (failure) {
            error ??= failure; // TLS 1.2 (or a quick alert): the handshake itself fails
          }
          instanceOf(error, BrokenResourceError, `${what}: the refused client's error`);
          match(error.message, /certificate required/, `${what}: the message names the alert`);
          ok(!/the connection failed: the connection failed/.test(error.message), `${what}: no doubled prefix: ${error.message}`);
          ok(
            typeof error.code === "string" && /^(ERR_SSL_\w*ALERT_CERTIFICATE_REQUIRED|ECONNRESET|EPIPE)$/.test(error.code),
            `${what}: code is the alert's (or the reset's, where the runtime lost the alert): ${String(error.code)}`,
          );
        }
      },
    },
    {
      name: "memory-stream",
      description: "TLS over a stapled memory stream pair (no socket): handshake, exchange, 1 MiB, close_notify, EndOfStream",
      async run(t) {
        const [client, server] = await handshakePair(t, memoryPair(t), await clientOptions(t), await serverOptions(t));
        equal(client.extra(SocketAttribute.family, "none"), "none", "no socket attributes to pass through");
        await exchange(client, server);
        const data = pattern(MiB, 3);
        const sending = (async () => {
          await server.send(data);
          await server.aclose();
        })();
        bytesEqual(await receiveAll(client, MiB), data, "received data");
        await sending;
      },
    },
    {
      name: "memory-stream-ragged-eof",
      description:
        "over a memory pair, the transport ending without close_notify is a BrokenResourceError to a standard-compatible client",
      async run(t) {
        const [rawClient, rawServer] = memoryPair(t);
        const [client] = await handshakePair(t, [rawClient, rawServer], await clientOptions(t), await serverOptions(t));
        await rawServer.aclose();
        await rejects(client.receive(), BrokenResourceError, "close_notify");
      },
    },
    {
      name: "connect-tcp-with-tls",
      description: "connectTcp({ tls, tlsHostname }) handshakes and echoes (AnyIO test_connect_tcp_with_tls)",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const listener = t.use(new TLSListener(multi, await serverOptions(t)));
        startServing(t, listener, async (stream) => {
          await stream.send(await receiveExactly(stream, 4));
        });
        const c = await certificates(t);
        const client = t.use(await connectTcp(host, port, { tls: { ca: c.ca }, tlsHostname: "localhost" }));
        ok(client instanceof TLSStream, "connectTcp with tls resolves with a TLSStream");
        await client.send(utf8("ping"));
        bytesEqual(await receiveExactly(client, 4), "ping", "echo");
        // The host itself is the name when tlsHostname is not given (127.0.0.1 is in the certificate).
        const byAddress = t.use(await connectTcp(host, port, { tls: { ca: c.ca } }));
        await byAddress.send(utf8("pong"));
        bytesEqual(await receiveExactly(byAddress, 4), "pong", "echo");
      },
    },
    {
      name: "connect-tcp-tls-hostname",
      description:
        "connectTcp checks the certificate against tls.hostname when given (not the address connected to), and refuses a tlsHostname that contradicts it with a TypeError",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const listener = t.use(new RecordingTLSListener(multi, await serverOptions(t)));
        startServing(t, listener, async (stream) => {
          await stream.send(await receiveExactly(stream, 4));
        });
        const c = await certificates(t);
        const client = t.use(await connectTcp(host, port, { tls: { ca: c.ca, hostname: "localhost" } }));
        await client.send(utf8("ping"));
        bytesEqual(await receiveExactly(client, 4), "ping", "echo");
        // The certificate names 127.0.0.1 too: only a check against tls.hostname can fail here.
        const error = await rejects(
          connectTcp(host, port, { tls: { ca: c.ca, hostname: "elsewhere.invalid" } }),
          BrokenResourceError,
        );
        match(error.message, /elsewhere\.invalid|altname|hostname|name/i, "the failure is the name check");
        await rejects(
          () => connectTcp(host, port, { tls: { ca: c.ca, hostname: "localhost" }, tlsHostname: "other.invalid" }),
          TypeError,
          "two different TLS hostnames",
        );
        // The same name in both places is no contradiction.
        const both = t.use(await connectTcp(host, port, { tls: { ca: c.ca, hostname: "localhost" }, tlsHostname: "localhost" }));
        await both.send(utf8("pong"));
        bytesEqual(await receiveExactly(both, 4), "pong", "echo");
      },
    },
    {
      name: "connect-tcp-cert-check-fail",
      description:
        "connectTcp({ tls: true }) to an untrusted server rejects and leaks nothing; the server keeps serving (AnyIO test_connect_tcp_with_tls_cert_check_fail)",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const listener = new RecordingTLSListener(multi, await serverOptions(t));
        t.use(listener);
        let handled = 0;
        startServing(t, listener, () => {
          handled++;
        });
        const error = await rejects(connectTcp(host, port, { tls: true, tlsHostname: "localhost" }), BrokenResourceError);
        match(error.message, "certificate verify failed", "message");
        await listener.failed.promise;
        equal(handled, 0, "handler calls");
      },
    },
    {
      name: "listener-handshake-fail",
      description:
        "a failed handshake never reaches the handler, is reported once as BrokenResourceError with the plain stream, and the listener goes on (AnyIO TestTLSListener.test_handshake_fail)",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const listener = t.use(new RecordingTLSListener(multi, await serverOptions(t)));
        let handled = 0;
        startServing(t, listener, async (stream) => {
          handled++;
          await stream.send(await receiveExactly(stream, 4));
        });
        const bad = t.use(await connectTcp(host, port));
        await bad.send(utf8("this is not a TLS ClientHello\r\n\r\n"));
        await listener.failed.promise;
        equal(listener.failures.length, 1, "handshake failures reported");
        const failure = listener.failures[0]!;
        instanceOf(failure.error, BrokenResourceError, "reported error");
        instanceOf(failure.stream, SocketStream, "reported stream");
        equal(handled, 0, "handler calls");
        const c = await certificates(t);
        const good = t.use(await connectTcp(host, port, { tls: { ca: c.ca }, tlsHostname: "localhost" }));
        await good.send(utf8("ping"));
        bytesEqual(await receiveExactly(good, 4), "ping", "echo after a failed handshake");
        equal(handled, 1, "handler calls");
        equal(listener.failures.length, 1, "handshake failures reported");
      },
    },
    {
      name: "listener-handshake-timeout",
      description: "a client that never sends a ClientHello is dropped after handshakeTimeout and reported; the listener goes on",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const listener = t.use(new RecordingTLSListener(multi, await serverOptions(t), { handshakeTimeout: 200 }));
        let handled = 0;
        startServing(t, listener, () => {
          handled++;
        });
        const silent = t.use(await connectTcp(host, port));
        await listener.failed.promise;
        instanceOf(listener.failures[0]!.error, BrokenResourceError, "reported error");
        match((listener.failures[0]!.error as Error).message, "did not complete within 200 ms", "message");
        await rejects(silent.receive(), EndOfStream, undefined, "the silent client is disconnected");
        equal(handled, 0, "handler calls");
      },
    },
    {
      name: "listener-accept",
      description: "TLSListener.accept() returns a handshaken stream",
      async run(t) {
        const { listener: plain, host, port } = await loopbackListener(t);
        const listener = new TLSListener(plain, await serverOptions(t));
        const c = await certificates(t);
        const [client, server] = await Promise.all([
          connectTcp(host, port, { tls: { ca: c.ca }, tlsHostname: "localhost" }),
          listener.accept(),
        ]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "listener-extra-attributes",
      description: "a TLSListener exposes its listener's attributes (AnyIO TestTLSListener.test_extra_attributes)",
      async run(t) {
        const { multi, port } = await loopbackListener(t);
        const listener = new TLSListener(multi, await serverOptions(t));
        equal(listener.extra(SocketAttribute.localPort), port, "localPort");
        equal(listener.extra(SocketAttribute.family), "inet", "family");
      },
    },
  ],
};
