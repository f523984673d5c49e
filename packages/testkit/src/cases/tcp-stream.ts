import {
  BrokenResourceError,
  ClosedResourceError,
  ConnectionFailed,
  EndOfStream,
  SocketAttribute,
  inspectSocket,
  connectTcp,
  createTcpListener,
  getaddrinfo,
  getnameinfo,
  type IPSocketAddress,
  type SocketStream,
} from "@portio/core";
import { bytesEqual, deepEqual, describe, equal, fail, instanceOf, ok, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { pattern, utf8 } from "../support/bytes.ts";
import { deferred } from "@portio/core/backend";
import { errorCode } from "../support/error-code.ts";
import { checkReceiveLoopLetsTimersRun, outcome, receiveExactly } from "../support/io.ts";
import { startServing } from "../support/serving.ts";
import { LOOPBACK, fakeLocalhost, freeTcpPort, loopbackListener, tcpPair, perFamily, type IPFamily } from "../support/tcp.ts";
import { byteStreamCases } from "./byte-stream.ts";

const MiB = 1024 * 1024;

/**
 * Sends until the stream reports the broken connection (at most `limit` small sends) and returns
 * that error. The first sends after a peer went away usually still succeed: the kernel learns of
 * the reset only from the peer's answer to them.
 */
async function sendUntilBroken(stream: SocketStream, limit = 1000): Promise<BrokenResourceError> {
  for (let i = 0; i < limit; i++) {
    try {
      await stream.send(utf8("foo"));
    } catch (error) {
      instanceOf(error, BrokenResourceError, "send() to a peer that is gone");
      return error;
    }
  }
  return fail(`${limit} sends to a peer that is gone all succeeded`);
}

/**
 * Makes the server side of a fresh pair reset the connection, portably: the client sends more
 * than the server's buffers hold, the server takes one byte (proof that data has arrived) and
 * closes with the rest unread, and Linux answers a close with unread data by RST instead of FIN
 * (what AnyIO gets with SO_LINGER 0). Resolves with the client and the outcome of its big send,
 * which may fail with the reset too.
 */
async function resetByPeer(t: CaseContext, family: IPFamily): Promise<{ client: SocketStream; bigSend: Promise<unknown> }> {
  const [client, server] = await tcpPair(t, family);
  const bigSend = outcome(client.send(pattern(4 * MiB, 7)));
  await receiveExactly(server, 1);
  await server.aclose();
  return { client, bigSend };
}

/** A reset must surface as BrokenResourceError carrying the runtime's reset (or broken pipe) error. */
function checkBroken(error: unknown, what: string): void {
  instanceOf(error, BrokenResourceError, what);
  ok(error.cause !== undefined && error.cause !== null, `${what}: BrokenResourceError must keep the runtime's error as cause`);
  const code = errorCode(error.cause);
  ok(
    code === "ECONNRESET" || code === "EPIPE",
    `${what}: cause should be the reset (ECONNRESET or EPIPE), got ${describe(error.cause)}`,
  );
  equal(error.code, code, `${what}: the OS error code on the BrokenResourceError itself`);
  ok(
    !/the connection failed: the connection failed/.test(error.message),
    `${what}: message without a doubled prefix: ${error.message}`,
  );
}

/** AnyIO's TestTCPStream (TLS and fromSocket have their own suites: `tls`, `adoption`), plus portio's byte-stream contract. */
export const tcpStreamSuite: SuiteDefinition = {
  suite: "tcp-stream",
  cases: [
    ...perFamily(
      "extra-attributes",
      "family, local/remote address and port on both ends of a connectTcp() stream (AnyIO test_extra_attributes)",
      async (t, family) => {
        const { listener, host, port } = await loopbackListener(t, family);
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        equal(client.extra(SocketAttribute.family), family, "client family");
        equal(server.extra(SocketAttribute.family), family, "server family");
        const local = client.extra(SocketAttribute.localAddress) as IPSocketAddress;
        ok(Array.isArray(local) && local.length === 2, `client localAddress is [host, port], got ${describe(local)}`);
        equal(local[0], host, "client local host");
        ok(Number.isInteger(local[1]) && local[1] > 0, `client local port, got ${describe(local[1])}`);
        equal(client.extra(SocketAttribute.localPort), local[1], "client localPort");
        deepEqual(client.extra(SocketAttribute.remoteAddress), [host, port], "client remoteAddress");
        equal(client.extra(SocketAttribute.remotePort), port, "client remotePort");
        deepEqual(server.extra(SocketAttribute.localAddress), [host, port], "server localAddress");
        deepEqual(server.extra(SocketAttribute.remoteAddress), local, "server remoteAddress");
        equal(server.extra(SocketAttribute.remotePort), local[1], "server remotePort");
        const fd = client.extra(SocketAttribute.fd, undefined);
        ok(
          fd === undefined || (Number.isInteger(fd) && fd >= 0),
          `fd is a non-negative integer when present, got ${describe(fd)}`,
        );
      },
    ),
    ...byteStreamCases((t) => tcpPair(t, "inet")),
    {
      name: "happy-eyeballs[dualstack]",
      description:
        '"localhost" resolving to 127.0.0.1 first, then ::1, both listening: connectTcp() prefers IPv6 (AnyIO test_happy_eyeballs[dualstack])',
      requires: ["ipv6"],
      async run(t) {
        fakeLocalhost(t, ["inet", "inet6"]);
        const multi = t.use(await createTcpListener({ localHost: "localhost" }));
        equal(multi.listeners.length, 2, "listeners for a name with two addresses");
        const served = deferred<unknown>();
        startServing(t, multi, (stream) => served.resolve(stream.extra(SocketAttribute.localAddress)));
        const client = t.use(await connectTcp("localhost", multi.extra(SocketAttribute.localPort)));
        equal((client.extra(SocketAttribute.remoteAddress) as IPSocketAddress)[0], LOOPBACK.inet6, "address connected to");
        equal(((await served.promise) as IPSocketAddress)[0], LOOPBACK.inet6, "address that accepted");
      },
    },
    {
      name: "happy-eyeballs[ipv4]",
      description:
        '"localhost" resolving to ::1, then 127.0.0.1; only IPv4 listening: the refused ::1 attempt falls back to IPv4 (AnyIO test_happy_eyeballs[ipv4])',
      async run(t) {
        fakeLocalhost(t, ["inet6", "inet"]);
        const { listener, port } = await loopbackListener(t, "inet");
        const [client, server] = await Promise.all([
          connectTcp("localhost", port, { happyEyeballsDelay: 250 }),
          listener.accept(),
        ]);
        t.use(client);
        t.use(server);
        equal((client.extra(SocketAttribute.remoteAddress) as IPSocketAddress)[0], LOOPBACK.inet, "address connected to");
      },
    },
    {
      name: "happy-eyeballs[ipv6]",
      description:
        '"localhost" resolving to 127.0.0.1, then ::1; only IPv6 listening: connectTcp() reaches ::1 (AnyIO test_happy_eyeballs[ipv6])',
      requires: ["ipv6"],
      async run(t) {
        fakeLocalhost(t, ["inet", "inet6"]);
        const { listener, port } = await loopbackListener(t, "inet6");
        const [client, server] = await Promise.all([connectTcp("localhost", port), listener.accept()]);
        t.use(client);
        t.use(server);
        equal((client.extra(SocketAttribute.remoteAddress) as IPSocketAddress)[0], LOOPBACK.inet6, "address connected to");
      },
    },
    {
      name: "happy-eyeballs[system-resolver]",
      description: 'with the system\'s own answer for "localhost": a listener on "localhost" and connectTcp("localhost") meet',
      async run(t) {
        const multi = t.use(await createTcpListener({ localHost: "localhost" }));
        const hosts = multi.listeners.map((listener) => (listener.extra(SocketAttribute.localAddress) as IPSocketAddress)[0]);
        deepEqual(
          [...new Set(multi.listeners.map((listener) => listener.extra(SocketAttribute.family)))],
          t.environment.localhostFamilies,
          'listener families for "localhost" (one listener per resolved family)',
        );
        const served = deferred<unknown>();
        startServing(t, multi, (stream) => served.resolve(stream.extra(SocketAttribute.localAddress)));
        const client = t.use(await connectTcp("localhost", multi.extra(SocketAttribute.localPort)));
        const connectedTo = (client.extra(SocketAttribute.remoteAddress) as IPSocketAddress)[0];
        ok(hosts.includes(connectedTo), `connected to ${connectedTo}, one of the listening addresses ${describe(hosts)}`);
        equal(((await served.promise) as IPSocketAddress)[0], connectedTo, "address that accepted");
      },
    },
    ...perFamily(
      "connect-with-local-port",
      "localHost + localPort bind the client end (AnyIO test_connect_tcp_with_local_port)",
      async (t, family) => {
        const { listener, host, port } = await loopbackListener(t, family);
        const localPort = await freeTcpPort({ localHost: host });
        const [client, server] = await Promise.all([connectTcp(host, port, { localHost: host, localPort }), listener.accept()]);
        t.use(client);
        t.use(server);
        equal(client.extra(SocketAttribute.localPort), localPort, "client localPort");
        equal(server.extra(SocketAttribute.remotePort), localPort, "server remotePort");
      },
    ),
    {
      name: "connection-refused[single]",
      description:
        "one address, nobody listening: ConnectionFailed with code ECONNREFUSED whose cause is the runtime's error (AnyIO test_connection_refused[single])",
      async run() {
        const port = await freeTcpPort();
        const error = await rejects(connectTcp(LOOPBACK.inet, port), ConnectionFailed, "All connection attempts failed");
        ok(!(error.cause instanceof AggregateError), "a single attempt's error is the cause itself, not an AggregateError");
        equal(errorCode(error.cause), "ECONNREFUSED", `code of the cause ${describe(error.cause)}`);
        equal(error.code, "ECONNREFUSED", "the OS error code on the ConnectionFailed itself");
      },
    },
    {
      name: "connection-refused[multi]",
      description:
        '"localhost" resolving to ::1 and 127.0.0.1, nobody listening: ConnectionFailed whose cause is an AggregateError of both refusals (AnyIO test_connection_refused[multi])',
      requires: ["ipv6"],
      async run(t) {
        fakeLocalhost(t, ["inet6", "inet"]);
        const port = await freeTcpPort({ localHost: "localhost" });
        const error = await rejects(connectTcp("localhost", port), ConnectionFailed, "All connection attempts failed");
        instanceOf(error.cause, AggregateError, "cause of a failed multi-address connect");
        equal(error.cause.errors.length, 2, "attempt errors");
        for (const attempt of error.cause.errors) equal(errorCode(attempt), "ECONNREFUSED", `code of ${describe(attempt)}`);
        equal(error.code, "ECONNREFUSED", "the code every attempt failed with, on the ConnectionFailed itself");
      },
    },
    {
      name: "connect-aborted",
      description: "connectTcp() with an aborted signal rejects with the signal's reason",
      async run(t) {
        const { host, port } = await loopbackListener(t, "inet");
        const reason = new Error("not now");
        equal(await rejects(connectTcp(host, port, { signal: AbortSignal.abort(reason) }), Error), reason, "error");
      },
    },
    {
      name: "connect-aborted-while-syn-unanswered",
      description:
        "connectTcp() to a listener whose queue is full (its SYNs go unanswered) rejects with the signal's reason when the signal aborts, and leaves no fd behind",
      requires: ["rawSockets"],
      async run(t) {
        const raw = t.harness.rawSockets!;
        // Backlog 0 and never accepted: one connection fills the queue, the kernel drops later SYNs.
        const listener = await raw.create("inet", "stream", { listening: true, backlog: 0 });
        t.defer(() => raw.close(listener.fd));
        const [host, port] = (await inspectSocket(listener.fd)).localAddress as IPSocketAddress;
        for (let attempt = 0; attempt < 8; attempt++) {
          const signal = AbortSignal.timeout(250);
          let client: SocketStream;
          try {
            client = await connectTcp(host, port, { signal });
          } catch (error) {
            equal(error, signal.reason, `attempt ${attempt + 1}: the error of the aborted connect`);
            return;
          }
          t.use(client); // it still fitted in the queue
        }
        fail("8 connects all completed: the listen queue never filled");
      },
    },
    {
      name: "receive-loop-lets-timers-run",
      description:
        "a receive loop whose every receive finds bytes already there still lets timers run: 8 KiB sent, received with receive(1) (core answers from the chunk it holds, or the transport without waiting), a timer due before the loop fires before it ends",
      async run(t) {
        const [client, server] = await tcpPair(t);
        await client.send(pattern(8192));
        await checkReceiveLoopLetsTimersRun(8192, async () => (await server.receive(1)).length);
      },
    },
    {
      name: "send-vectored",
      description:
        "send([a, b, c]) sends the buffers as one write, in order (empty ones included); an element that is not a Uint8Array is a TypeError",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const payload = pattern(100_000, 3);
        await client.send([utf8("$100000\r\n"), new Uint8Array(0), payload, utf8("\r\n")]);
        bytesEqual(await receiveExactly(server, 9), "$100000\r\n", "header");
        bytesEqual(await receiveExactly(server, payload.byteLength), payload, "payload");
        bytesEqual(await receiveExactly(server, 2), "\r\n", "trailer");
        await rejects(() => client.send([utf8("a"), "b" as unknown as Uint8Array]), TypeError, "Uint8Array");
      },
    },
    {
      name: "aclose-flush-timeout",
      description:
        "aclose({ flushTimeoutMs }): a negative value is a RangeError; with a long one everything sent arrives; with 0 it returns although a stalled peer holds up a send",
      async run(t) {
        const [client, server] = await tcpPair(t);
        await rejects(() => client.aclose({ flushTimeoutMs: -1 }), RangeError, "flushTimeoutMs");
        const data = pattern(MiB, 4);
        const receiving = receiveExactly(server, data.byteLength);
        await client.send(data);
        await client.aclose({ flushTimeoutMs: 60_000 });
        bytesEqual(await receiving, data, "flushed before the close");

        const [stalledClient] = await tcpPair(t);
        const stop = new AbortController();
        // Nobody reads: the send stalls on the kernel's buffers until it is aborted.
        const sending = outcome(stalledClient.send(pattern(64 * MiB, 5), { signal: stop.signal }));
        stop.abort(new Error("gave up"));
        await sending;
        await stalledClient.aclose({ flushTimeoutMs: 0 });
        await rejects(stalledClient.receive(), ClosedResourceError);
      },
    },
    {
      name: "getaddrinfo-signal",
      description:
        "getaddrinfo(host, port, { signal }) with an aborted signal rejects with its reason; with a live one it resolves",
      async run() {
        const stop = new AbortController();
        stop.abort(new Error("no lookup"));
        const error = await rejects(getaddrinfo("localhost", 80, { signal: stop.signal }), Error, "no lookup");
        equal(error, stop.signal.reason, "the signal's reason");
        const infos = await getaddrinfo("localhost", 80, { signal: new AbortController().signal });
        ok(infos.length > 0, "localhost resolves");
      },
    },
    {
      name: "getnameinfo",
      description:
        'getnameinfo(["127.0.0.1", port]) names the host (localhost, from /etc/hosts) and the service (its name, or the port\'s digits); a host name instead of an address is a TypeError',
      async run() {
        const [host, service] = await getnameinfo(["127.0.0.1", 22]);
        equal(host, "localhost", "host name of 127.0.0.1");
        ok(service === "ssh" || service === "22", `service of port 22: ${service}`);
        const [, unnamed] = await getnameinfo(["127.0.0.1", 1]);
        ok(unnamed === "tcpmux" || unnamed === "1", `service of port 1: ${unnamed}`);
        await rejects(() => getnameinfo(["localhost", 22]), TypeError, "numeric IP address");
        const stop = new AbortController();
        stop.abort(new Error("no lookup"));
        await rejects(getnameinfo(["127.0.0.1", 22], { signal: stop.signal }), Error, "no lookup");
      },
    },
    {
      name: "receive-timeout",
      description:
        "AbortSignal.timeout() interrupts a blocked receive() with its TimeoutError; the stream stays usable (AnyIO test_receive_timeout)",
      async run(t) {
        const [client, server] = await tcpPair(t);
        const signal = AbortSignal.timeout(20);
        const error = await rejects(client.receive(1, { signal }), DOMException);
        equal(error, signal.reason, "rejection reason");
        equal(error.name, "TimeoutError", "reason's name");
        await server.send(utf8("x"));
        bytesEqual(await client.receive(), "x", "receive after the timeout");
      },
    },
    ...perFamily(
      "receive-after-peer-closed",
      "peer closed: EndOfStream; after the local aclose(): ClosedResourceError (AnyIO test_receive_after_peer_closed)",
      async (t, family) => {
        const [client, server] = await tcpPair(t, family);
        await server.aclose();
        await rejects(client.receive(1), EndOfStream);
        await client.aclose();
        await rejects(client.receive(1), ClosedResourceError);
      },
    ),
    ...perFamily(
      "send-after-peer-closed",
      "sending to a closed peer ends in BrokenResourceError; after the local aclose(): ClosedResourceError (AnyIO test_send_after_peer_closed)",
      async (t, family) => {
        const [client, server] = await tcpPair(t, family);
        await server.aclose();
        await sendUntilBroken(client);
        await client.aclose();
        await rejects(client.send(utf8("foo")), ClosedResourceError);
      },
    ),
    ...perFamily(
      "receive-exception-cause-preserved",
      "peer reset: receive() rejects with BrokenResourceError whose cause is the runtime's error (AnyIO #1055)",
      async (t, family) => {
        const { client, bigSend } = await resetByPeer(t, family);
        checkBroken(await outcome(client.receive()), "receive() after a reset");
        const sendError = await bigSend;
        if (sendError !== undefined) checkBroken(sendError, "the send pending during the reset");
      },
    ),
    ...perFamily(
      "send-exception-cause-preserved",
      "peer reset: send() rejects with BrokenResourceError whose cause is the runtime's error (AnyIO #1055)",
      async (t, family) => {
        const { client, bigSend } = await resetByPeer(t, family);
        const pendingError = await bigSend;
        checkBroken(pendingError ?? (await sendUntilBroken(client)), "send() after a reset");
        await client.aclose();
        await rejects(client.send(utf8("foo")), ClosedResourceError);
      },
    ),
  ],
};
