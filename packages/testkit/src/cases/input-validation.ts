import {
  BufferedByteReceiveStream,
  ConnectionFailed,
  TLSStream,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  getaddrinfo,
} from "@portio/core";
import { bytesEqual, equal, match, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { utf8 } from "../support/bytes.ts";
import { exchange } from "../support/io.ts";
import { LOOPBACK, loopbackListener, tcpPair } from "../support/tcp.ts";
import { loopbackUdp, udpPort } from "../support/udp.ts";
import { unixPath } from "../support/unix.ts";

/** Values that are not AbortSignals (`null` included: only `undefined` means "no signal"). */
const NOT_SIGNALS: readonly unknown[] = ["junk", 42, {}, null, { aborted: false }];

/**
 * Wrong arguments are refused with a TypeError or RangeError before anything is touched: the
 * stream, listener or socket goes on working (issue 11: a junk signal used to break a stream for
 * good after its bytes had gone out).
 */
export const inputValidationSuite: SuiteDefinition = {
  suite: "input-validation",
  cases: [
    {
      name: "stream-signal",
      description:
        "send(), receive() and a buffered receiveExactly() with a signal that is not an AbortSignal are TypeErrors; the stream still works",
      async run(t) {
        const [client, server] = await tcpPair(t);
        for (const signal of NOT_SIGNALS) {
          await rejects(
            client.send(utf8("lost?"), { signal } as never),
            TypeError,
            "AbortSignal",
            `send() with signal ${String(signal)}`,
          );
          await rejects(
            server.receive(16, { signal } as never),
            TypeError,
            "AbortSignal",
            `receive() with signal ${String(signal)}`,
          );
        }
        const buffered = new BufferedByteReceiveStream(server);
        await rejects(buffered.receiveExactly(4, { signal: "junk" } as never), TypeError, "AbortSignal", "receiveExactly()");
        // Nothing of the refused sends reached the peer, and both directions still work.
        await client.send(utf8("ping"));
        bytesEqual(await buffered.receiveExactly(4), "ping", "the first bytes the server gets");
        await exchange(server, client);
      },
    },
    {
      name: "listener-and-connect-signal",
      description:
        "accept(), connectTcp() and connectUnix() with a signal that is not an AbortSignal are TypeErrors; the listener still accepts",
      async run(t) {
        const { listener, host, port } = await loopbackListener(t);
        await rejects(listener.accept({ signal: "junk" } as never), TypeError, "AbortSignal", "accept()");
        await rejects(connectTcp(host, port, { signal: "junk" } as never), TypeError, "AbortSignal", "connectTcp()");
        const unix = await unixPath(t);
        t.use(await createUnixListener(unix.path));
        await rejects(connectUnix(unix.path, { signal: 1 } as never), TypeError, "AbortSignal", "connectUnix()");
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "datagram-signal",
      description: "UDP sendto() and receive() with a signal that is not an AbortSignal are TypeErrors; the socket still works",
      async run(t) {
        const socket = await loopbackUdp(t, "inet");
        const port = udpPort(socket);
        await rejects(
          socket.sendto(utf8("x"), LOOPBACK.inet, port, { signal: "junk" } as never),
          TypeError,
          "AbortSignal",
          "sendto()",
        );
        await rejects(socket.receive({ signal: "junk" } as never), TypeError, "AbortSignal", "receive()");
        await socket.sendto(utf8("ping"), LOOPBACK.inet, port);
        const [data] = await socket.receive();
        bytesEqual(data, "ping", "the only datagram received");
      },
    },
    {
      name: "null-arguments",
      description: "receiveUntil(null, …) and TLSStream.wrap(null) are TypeErrors that say which argument is wrong",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const buffered = new BufferedByteReceiveStream(server);
        await rejects(buffered.receiveUntil(null as never, 16), TypeError, "delimiter", "receiveUntil(null)");
        await rejects(TLSStream.wrap(null as never, { serverSide: true }), TypeError, "stream", "TLSStream.wrap(null)");
        await client.send(utf8("line\n"));
        bytesEqual(await buffered.receiveUntil(utf8("\n"), 16), "line", "receiveUntil() afterwards");
      },
    },
    {
      name: "listener-host",
      description:
        'createTcpListener() with localHost "" is a TypeError, and one whose name resolves to no address an Error; neither resolves with zero listeners',
      async run(t) {
        await rejects(createTcpListener({ localHost: "" }), TypeError, "localHost", 'localHost ""');
        t.resolveNames({ "nowhere.invalid": [] });
        await rejects(createTcpListener({ localHost: "nowhere.invalid" }), Error, "no", "a localHost that resolves to nothing");
      },
    },
    {
      name: "connect-local-host",
      description: "connectTcp() with a localHost that cannot be resolved says it is the localHost, not the remote host",
      async run(t) {
        const { host, port } = await loopbackListener(t);
        const error = await rejects(connectTcp(host, port, { localHost: "::g" }), ConnectionFailed, undefined, "localHost ::g");
        match(error.message, "localHost", "the error names localHost");
        await rejects(connectTcp(host, port, { localHost: "" }), TypeError, "localHost", 'localHost ""');
      },
    },
    {
      name: "backlog",
      description: "a backlog that is NaN, negative or not an integer is a RangeError for TCP and Unix listeners alike",
      async run(t) {
        const unix = await unixPath(t);
        for (const backlog of [Number.NaN, -5, 1.5, "10"]) {
          await rejects(
            createTcpListener({ localHost: LOOPBACK.inet, backlog } as never),
            RangeError,
            "backlog",
            `TCP backlog ${String(backlog)}`,
          );
          await rejects(
            createUnixListener(unix.path, { backlog } as never),
            RangeError,
            "backlog",
            `Unix backlog ${String(backlog)}`,
          );
        }
        // 0 is a valid request for the smallest queue.
        t.use(await createUnixListener(unix.path, { backlog: 0 }));
      },
    },
    {
      name: "mode-and-family",
      description:
        "a Unix socket mode that is not an integer file mode is a RangeError; getaddrinfo() with an unknown family a TypeError",
      async run(t) {
        const unix = await unixPath(t);
        for (const mode of ["0o600", -1, 0o10000, 1.5]) {
          await rejects(createUnixListener(unix.path, { mode } as never), RangeError, "mode", `mode ${String(mode)}`);
        }
        await rejects(getaddrinfo("127.0.0.1", 0, { family: "ipv4" } as never), TypeError, "family", 'family "ipv4"');
      },
    },
    {
      name: "udp-family-mismatch",
      description:
        "UDP sendto() to an IPv6 address from an IPv4 socket is a TypeError naming the families; the socket still works",
      async run(t) {
        const socket = t.use(await createUdpSocket({ family: "inet", localHost: LOOPBACK.inet }));
        await rejects(socket.sendto(utf8("x"), "::1", 9), TypeError, "IPv6", "sendto(::1) from an IPv4 socket");
        await socket.sendto(utf8("ping"), LOOPBACK.inet, udpPort(socket));
        const [data, [from]] = await socket.receive();
        bytesEqual(data, "ping", "datagram");
        equal(from, LOOPBACK.inet, "sender");
      },
    },
  ],
};
