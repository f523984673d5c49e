import {
  ConnectedUDPSocket,
  ConnectedUNIXDatagramSocket,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXDatagramSocket,
  UNIXSocketListener,
  UNIXSocketStream,
  connectTcp,
  connectUnix,
  createUdpSocket,
  createUnixDatagramSocket,
  wrapClientSocket,
  wrapServerSocket,
  type IPSocketAddress,
} from "@portio/core";
import { bytesEqual, deepEqual, equal, instanceOf, notEqual, rejects } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { utf8 } from "../support/bytes.ts";
import { exchange } from "../support/io.ts";
import { expectRefused, expectReleased, factory, nonSocketFd, peerOf, rawSocket } from "../support/raw-sockets.ts";
import { FAMILY_ID, LOOPBACK, type IPFamily } from "../support/tcp.ts";
import { unixPath } from "../support/unix.ts";

const NOT_A_SOCKET = "the file descriptor does not refer to a socket";
const NOT_CONNECTED = /^the socket must be connected/;
const NOT_BOUND = /^the socket must be bound/;
const STREAM_NOT_DGRAM = "socket type mismatch: expected SOCK_STREAM, got SOCK_DGRAM";
const DGRAM_NOT_STREAM = "socket type mismatch: expected SOCK_DGRAM, got SOCK_STREAM";
const UNIX_NOT_INET = "address family mismatch: expected AF_UNIX, got AF_INET";

/** Every adoption case needs raw fds from the harness. */
function adoption(definition: CaseDefinition): CaseDefinition {
  return { ...definition, requires: [...(definition.requires ?? []), "rawSockets"] };
}

/** One adoption case per IP family, `name[ipv4]` / `name[ipv6]`. */
function perFamily(
  name: string,
  description: string,
  run: (t: CaseContext, family: IPFamily) => Promise<void>,
): CaseDefinition[] {
  return (["inet", "inet6"] as const).map((family) =>
    adoption({
      name: `${name}[${FAMILY_ID[family]}]`,
      description,
      ...(family === "inet6" ? { requires: ["ipv6"] as const } : {}),
      run: (t) => run(t, family),
    }),
  );
}

/** Closes `resource` and checks that its fd went with it (the ownership rule of a successful adoption). */
async function closeAndCheckReleased(t: CaseContext, resource: { aclose(): Promise<void> }, fd: number): Promise<void> {
  await resource.aclose();
  await expectReleased(t, fd);
}

/** Non-fd, non-socket arguments with how the TypeError names them. */
const NOT_AN_FD: ReadonlyArray<[label: string, value: unknown, shown: string]> = [
  ["-1", -1, "number -1"],
  ["1.5", 1.5, "number 1.5"],
  ["NaN", Number.NaN, "number NaN"],
  ["2**31", 2 ** 31, "number 2147483648"],
  ["string", "foo", "string"],
  ["null", null, "null"],
  ["undefined", undefined, "undefined"],
  ["object", {}, "Object"],
  ["bigint", 3n, "bigint"],
];

/** Auto-detection: the raw socket kind, what wrapClientSocket / wrapServerSocket must make of it. */
interface Detection {
  id: string;
  family: "inet" | "unix";
  type: "stream" | "dgram";
  state: "connected" | "listening" | "bound" | "unbound";
  Class: abstract new (...args: never[]) => unknown;
}

const CLIENT_KINDS: readonly Detection[] = [
  { id: "tcp-connected", family: "inet", type: "stream", state: "connected", Class: SocketStream },
  { id: "unix-stream-connected", family: "unix", type: "stream", state: "connected", Class: UNIXSocketStream },
  { id: "udp-connected", family: "inet", type: "dgram", state: "connected", Class: ConnectedUDPSocket },
  { id: "unix-dgram-connected", family: "unix", type: "dgram", state: "connected", Class: ConnectedUNIXDatagramSocket },
];

const SERVER_KINDS: readonly Detection[] = [
  { id: "tcp-listening", family: "inet", type: "stream", state: "listening", Class: SocketListener },
  { id: "tcp-bound", family: "inet", type: "stream", state: "bound", Class: SocketListener },
  { id: "unix-listening", family: "unix", type: "stream", state: "listening", Class: UNIXSocketListener },
  { id: "unix-stream-bound", family: "unix", type: "stream", state: "bound", Class: UNIXSocketListener },
  { id: "udp-bound", family: "inet", type: "dgram", state: "bound", Class: UDPSocket },
  { id: "unix-dgram-bound", family: "unix", type: "dgram", state: "bound", Class: UNIXDatagramSocket },
  { id: "unix-dgram-unbound", family: "unix", type: "dgram", state: "unbound", Class: UNIXDatagramSocket },
];

/** A raw socket of a {@link Detection} kind (bound Unix sockets get a path in a temp dir). */
async function rawOfKind(t: CaseContext, kind: Detection) {
  const path =
    kind.family === "unix" && (kind.state === "bound" || kind.state === "listening") ? (await unixPath(t)).path : undefined;
  return rawSocket(t, kind.family, kind.type, {
    bound: kind.state === "bound",
    listening: kind.state === "listening",
    connected: kind.state === "connected",
    ...(path === undefined ? {} : { path }),
  });
}

/**
 * AnyIO's from_socket conformance tests (CONFORMANCE.md 2.1, fd input) and the gaps listed there,
 * wrapClientSocket / wrapServerSocket auto-detection for every kind, bad inputs (each refusal
 * leaves the fd open and its O_NONBLOCK flag as it was) and ownership (aclose() releases the fd).
 * Native-object inputs (net.Socket, Deno.Conn, …) are runtime-specific and tested by each backend.
 */
export const adoptionSuite: SuiteDefinition = {
  suite: "adoption",
  cases: [
    // ---- SocketStream (AnyIO TestTCPStream) ----------------------------------------------------
    ...perFamily(
      "tcp-stream-from-socket",
      "a connected TCP fd becomes a SocketStream of its family that talks to its peer; aclose() closes the fd (AnyIO test_from_socket)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "stream", { connected: true });
        const stream = raw.adopted(raw.fd, await SocketStream.fromSocket(raw.fd));
        instanceOf(stream, SocketStream, "SocketStream.fromSocket()");
        equal(stream instanceof UNIXSocketStream, false, "a TCP socket must not come back as a UNIXSocketStream");
        equal(stream.extra(SocketAttribute.family), family, "family");
        equal(stream.extra(SocketAttribute.fd), raw.fd, "SocketAttribute.fd");
        const peer = raw.adopted(peerOf(raw), await SocketStream.fromSocket(peerOf(raw)));
        deepEqual(stream.extra(SocketAttribute.remoteAddress), peer.extra(SocketAttribute.localAddress), "remoteAddress");
        await exchange(stream, peer);
        await closeAndCheckReleased(t, stream, raw.fd);
      },
    ),
    {
      name: "tcp-stream-not-a-socket",
      description:
        'a string is a TypeError "expected an int or socket, got string instead" (AnyIO test_from_socket_not_a_socket)',
      async run() {
        await rejects(() => SocketStream.fromSocket("foo" as never), TypeError, "expected an int or socket, got string instead");
      },
    },
    adoption({
      name: "tcp-stream-file-fd",
      description: "an fd of a regular file is ENOTSOCK, the fd left open and unchanged (AnyIO test_from_socket_pass_file_fd)",
      async run(t) {
        const fd = await nonSocketFd(t);
        await expectRefused(t, fd, () => SocketStream.fromSocket(fd), "ENOTSOCK", NOT_A_SOCKET);
      },
    }),
    adoption({
      name: "tcp-stream-wrong-socket-type",
      description: `a connected UDP fd is TYPE_MISMATCH "${STREAM_NOT_DGRAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram", { connected: true });
        await expectRefused(t, raw.fd, () => SocketStream.fromSocket(raw.fd), "TYPE_MISMATCH", STREAM_NOT_DGRAM);
      },
    }),
    adoption({
      name: "tcp-stream-not-connected",
      description: 'a listening TCP fd is NOT_CONNECTED "the socket must be connected" (AnyIO test_from_socket_not_connected)',
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { listening: true });
        await expectRefused(t, raw.fd, () => SocketStream.fromSocket(raw.fd), "NOT_CONNECTED", NOT_CONNECTED);
      },
    }),

    // ---- SocketListener (AnyIO TestTCPListener) ------------------------------------------------
    ...perFamily(
      "tcp-listener-from-socket",
      "a listening TCP fd becomes a SocketListener of its family and port that accepts (AnyIO test_from_socket)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "stream", { listening: true });
        const listener = raw.adopted(raw.fd, await SocketListener.fromSocket(raw.fd));
        instanceOf(listener, SocketListener, "SocketListener.fromSocket()");
        equal(listener instanceof UNIXSocketListener, false, "a TCP listener must not come back as a UNIXSocketListener");
        equal(listener.extra(SocketAttribute.family), family, "family");
        const [host, port] = listener.extra(SocketAttribute.localAddress) as IPSocketAddress;
        equal(host, LOOPBACK[family], "localAddress host");
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        instanceOf(server, SocketStream, "accepted stream");
        equal(server.extra(SocketAttribute.family), family, "accepted stream's family");
        await exchange(client, server);
        await closeAndCheckReleased(t, listener, raw.fd);
      },
    ),
    adoption({
      name: "tcp-listener-bound-not-listening",
      description:
        "a bound TCP fd that is not listening yet is accepted: the listener starts listening and accepts (AnyIO's validation allows it; untested there)",
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { bound: true });
        const listener = raw.adopted(raw.fd, await SocketListener.fromSocket(raw.fd));
        const port = listener.extra(SocketAttribute.localPort);
        const [client, server] = await Promise.all([connectTcp(LOOPBACK.inet, port), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    }),
    adoption({
      name: "tcp-listener-not-bound",
      description: 'a fresh TCP fd is NOT_BOUND "the socket must be bound" (AnyIO test_from_socket_not_bound)',
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream");
        await expectRefused(t, raw.fd, () => SocketListener.fromSocket(raw.fd), "NOT_BOUND", NOT_BOUND);
      },
    }),
    adoption({
      name: "tcp-listener-wrong-socket-type",
      description: `a bound UDP fd is TYPE_MISMATCH "${STREAM_NOT_DGRAM}" (gap in AnyIO's tests)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram", { bound: true });
        await expectRefused(t, raw.fd, () => SocketListener.fromSocket(raw.fd), "TYPE_MISMATCH", STREAM_NOT_DGRAM);
      },
    }),
    adoption({
      name: "tcp-listener-connected",
      description: "a connected TCP fd is CONNECTED: a listener needs an unconnected socket",
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => SocketListener.fromSocket(raw.fd), "CONNECTED", /^the socket must not be connected/);
      },
    }),

    // ---- UNIXSocketStream (AnyIO TestUNIXStream) -----------------------------------------------
    adoption({
      name: "unix-stream-from-socket",
      description:
        "a connected Unix stream fd becomes a UNIXSocketStream that talks to its peer; aclose() closes the fd (AnyIO test_from_socket)",
      async run(t) {
        const raw = await rawSocket(t, "unix", "stream", { connected: true });
        const stream = raw.adopted(raw.fd, await UNIXSocketStream.fromSocket(raw.fd));
        instanceOf(stream, UNIXSocketStream, "UNIXSocketStream.fromSocket()");
        equal(stream.extra(SocketAttribute.family), "unix", "family");
        const peer = raw.adopted(peerOf(raw), await UNIXSocketStream.fromSocket(peerOf(raw)));
        await exchange(stream, peer);
        await closeAndCheckReleased(t, stream, raw.fd);
      },
    }),
    adoption({
      name: "unix-stream-wrong-socket-type",
      description: `a connected Unix datagram fd is TYPE_MISMATCH "${STREAM_NOT_DGRAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "unix", "dgram", { connected: true });
        await expectRefused(t, raw.fd, () => UNIXSocketStream.fromSocket(raw.fd), "TYPE_MISMATCH", STREAM_NOT_DGRAM);
      },
    }),
    ...perFamily(
      "unix-stream-wrong-address-family",
      'a connected TCP fd is FAMILY_MISMATCH "address family mismatch: expected AF_UNIX, got AF_INET" (or AF_INET6) (AnyIO test_from_socket_wrong_address_family)',
      async (t, family) => {
        const raw = await rawSocket(t, family, "stream", { connected: true });
        const name = family === "inet" ? "AF_INET" : "AF_INET6";
        await expectRefused(
          t,
          raw.fd,
          () => UNIXSocketStream.fromSocket(raw.fd),
          "FAMILY_MISMATCH",
          `address family mismatch: expected AF_UNIX, got ${name}`,
        );
      },
    ),
    adoption({
      name: "socket-stream-of-unix-fd",
      description: "SocketStream.fromSocket() of a connected Unix stream fd returns the UNIXSocketStream subclass",
      async run(t) {
        const raw = await rawSocket(t, "unix", "stream", { connected: true });
        instanceOf(
          raw.adopted(raw.fd, await SocketStream.fromSocket(raw.fd)),
          UNIXSocketStream,
          "SocketStream.fromSocket() of a Unix fd",
        );
      },
    }),
    adoption({
      name: "unix-stream-not-connected",
      description:
        'a fresh Unix stream fd is NOT_CONNECTED "the socket must be connected" (AnyIO test_from_socket_not_connected)',
      async run(t) {
        const raw = await rawSocket(t, "unix", "stream");
        await expectRefused(t, raw.fd, () => UNIXSocketStream.fromSocket(raw.fd), "NOT_CONNECTED", NOT_CONNECTED);
      },
    }),

    // ---- UNIXSocketListener (AnyIO TestUNIXListener) -------------------------------------------
    adoption({
      name: "unix-listener-from-socket",
      description:
        "a listening Unix fd becomes a UNIXSocketListener with its path as a string; accepted connections are Unix streams (AnyIO test_from_socket, #1132)",
      async run(t) {
        const { path } = await unixPath(t);
        const raw = await rawSocket(t, "unix", "stream", { listening: true, path });
        const listener = raw.adopted(raw.fd, await SocketListener.fromSocket(raw.fd));
        instanceOf(listener, UNIXSocketListener, "SocketListener.fromSocket() of a Unix socket");
        equal(listener.extra(SocketAttribute.family), "unix", "family");
        equal(listener.extra(SocketAttribute.localAddress), path, "localAddress");
        const [client, server] = await Promise.all([connectUnix(path), listener.accept()]);
        t.use(client);
        t.use(server);
        instanceOf(server, UNIXSocketStream, "accepted stream");
        equal(server.extra(SocketAttribute.family), "unix", "accepted stream's family");
        await exchange(client, server);
        await closeAndCheckReleased(t, listener, raw.fd);
      },
    }),

    adoption({
      name: "unix-listener-refuses-tcp",
      description: `UNIXSocketListener.fromSocket() of a listening TCP fd is FAMILY_MISMATCH "${UNIX_NOT_INET}"`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { listening: true });
        await expectRefused(t, raw.fd, () => UNIXSocketListener.fromSocket(raw.fd), "FAMILY_MISMATCH", UNIX_NOT_INET);
      },
    }),

    // ---- UDPSocket (AnyIO TestUDPSocket) -------------------------------------------------------
    ...perFamily(
      "udp-from-socket",
      "a bound UDP fd becomes a UDPSocket of its family that exchanges datagrams (AnyIO test_from_socket)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "dgram", { bound: true });
        const socket = raw.adopted(raw.fd, await UDPSocket.fromSocket(raw.fd));
        instanceOf(socket, UDPSocket, "UDPSocket.fromSocket()");
        equal(socket.extra(SocketAttribute.family), family, "family");
        const [host, port] = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        const other = t.use(await createUdpSocket({ family, localHost: LOOPBACK[family] }));
        await other.sendto(utf8("ping"), host, port);
        const [data, from] = await socket.receive();
        bytesEqual(data, "ping", "datagram");
        await socket.sendto(utf8("pong"), from[0], from[1]);
        bytesEqual((await other.receive())[0], "pong", "reply");
      },
    ),
    adoption({
      name: "udp-wrong-socket-type",
      description: `a connected TCP fd is TYPE_MISMATCH "${DGRAM_NOT_STREAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => UDPSocket.fromSocket(raw.fd), "TYPE_MISMATCH", DGRAM_NOT_STREAM);
      },
    }),
    adoption({
      name: "udp-not-bound",
      description: 'an unbound UDP fd is NOT_BOUND "the socket must be bound" (gap in AnyIO\'s tests)',
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram");
        await expectRefused(t, raw.fd, () => UDPSocket.fromSocket(raw.fd), "NOT_BOUND", NOT_BOUND);
      },
    }),
    adoption({
      name: "udp-wrong-address-family",
      description: 'a Unix datagram fd is FAMILY_MISMATCH "expected AF_INET or AF_INET6, got AF_UNIX" (gap in AnyIO\'s tests)',
      async run(t) {
        const raw = await rawSocket(t, "unix", "dgram", { bound: true, path: (await unixPath(t)).path });
        await expectRefused(
          t,
          raw.fd,
          () => UDPSocket.fromSocket(raw.fd),
          "FAMILY_MISMATCH",
          "address family mismatch: expected AF_INET or AF_INET6, got AF_UNIX",
        );
      },
    }),
    ...perFamily(
      "udp-aclose-releases-port",
      "an adopted UDP socket's aclose() releases the fd before it resolves: the port binds again at once without SO_REUSEADDR (AnyIO test_aclose_waits_for_fd_release)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "dgram", { bound: true, nonBlocking: true });
        const socket = raw.adopted(raw.fd, await UDPSocket.fromSocket(raw.fd));
        const port = socket.extra(SocketAttribute.localPort);
        await closeAndCheckReleased(t, socket, raw.fd);
        const again = t.use(await createUdpSocket({ family, localHost: LOOPBACK[family], localPort: port }));
        equal(again.extra(SocketAttribute.localPort), port, "port bound again");
      },
    ),

    // ---- ConnectedUDPSocket (AnyIO TestConnectedUDPSocket) -------------------------------------
    ...perFamily(
      "connected-udp-from-socket",
      "a connected UDP fd becomes a ConnectedUDPSocket of its family that talks to its peer (AnyIO test_from_socket)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "dgram", { connected: true });
        const socket = raw.adopted(raw.fd, await ConnectedUDPSocket.fromSocket(raw.fd));
        instanceOf(socket, ConnectedUDPSocket, "ConnectedUDPSocket.fromSocket()");
        equal(socket.extra(SocketAttribute.family), family, "family");
        const peer = raw.adopted(peerOf(raw), await ConnectedUDPSocket.fromSocket(peerOf(raw)));
        deepEqual(socket.extra(SocketAttribute.remoteAddress), peer.extra(SocketAttribute.localAddress), "remoteAddress");
        await socket.send(utf8("ping"));
        bytesEqual(await peer.receive(), "ping", "datagram at the peer");
        await peer.send(utf8("pong"));
        bytesEqual(await socket.receive(), "pong", "reply");
      },
    ),
    adoption({
      name: "connected-udp-wrong-socket-type",
      description: `a connected TCP fd is TYPE_MISMATCH "${DGRAM_NOT_STREAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => ConnectedUDPSocket.fromSocket(raw.fd), "TYPE_MISMATCH", DGRAM_NOT_STREAM);
      },
    }),
    adoption({
      name: "connected-udp-not-connected",
      description:
        'a bound, unconnected UDP fd is NOT_CONNECTED "the socket must be connected" (AnyIO test_from_socket_not_connected)',
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram", { bound: true });
        await expectRefused(t, raw.fd, () => ConnectedUDPSocket.fromSocket(raw.fd), "NOT_CONNECTED", NOT_CONNECTED);
      },
    }),
    ...perFamily(
      "connected-udp-aclose-releases-port",
      "an adopted connected UDP socket's aclose() releases the fd before it resolves: its port binds again at once (AnyIO test_aclose_waits_for_fd_release)",
      async (t, family) => {
        const raw = await rawSocket(t, family, "dgram", { connected: true, nonBlocking: true });
        const socket = raw.adopted(raw.fd, await ConnectedUDPSocket.fromSocket(raw.fd));
        const port = socket.extra(SocketAttribute.localPort);
        await closeAndCheckReleased(t, socket, raw.fd);
        const again = t.use(await createUdpSocket({ family, localHost: LOOPBACK[family], localPort: port }));
        equal(again.extra(SocketAttribute.localPort), port, "port bound again");
      },
    ),

    // ---- UNIXDatagramSocket (AnyIO TestUNIXDatagramSocket) -------------------------------------
    adoption({
      name: "unix-datagram-from-socket",
      description: "a fresh (unbound) Unix datagram fd becomes a UNIXDatagramSocket of family unix (AnyIO test_from_socket)",
      async run(t) {
        const raw = await rawSocket(t, "unix", "dgram");
        const socket = raw.adopted(raw.fd, await UNIXDatagramSocket.fromSocket(raw.fd));
        instanceOf(socket, UNIXDatagramSocket, "UNIXDatagramSocket.fromSocket()");
        equal(socket.extra(SocketAttribute.family), "unix", "family");
        await closeAndCheckReleased(t, socket, raw.fd);
      },
    }),
    adoption({
      name: "unix-datagram-bound-from-socket",
      description: "a bound Unix datagram fd, adopted, receives with the sender's path and answers it",
      async run(t) {
        const { path } = await unixPath(t);
        const raw = await rawSocket(t, "unix", "dgram", { bound: true, path });
        const socket = raw.adopted(raw.fd, await UNIXDatagramSocket.fromSocket(raw.fd));
        equal(socket.extra(SocketAttribute.localAddress), path, "localAddress");
        const peerPath = (await unixPath(t)).path;
        const peer = t.use(await createUnixDatagramSocket({ localPath: peerPath }));
        await peer.sendto(utf8("ping"), path);
        const [data, from] = await socket.receive();
        bytesEqual(data, "ping", "datagram");
        equal(from, peerPath, "sender");
        await socket.sendto(utf8("pong"), from);
        bytesEqual((await peer.receive())[0], "pong", "reply");
      },
    }),
    adoption({
      name: "unix-datagram-wrong-socket-type",
      description: `a fresh Unix stream fd is TYPE_MISMATCH "${DGRAM_NOT_STREAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "unix", "stream");
        await expectRefused(t, raw.fd, () => UNIXDatagramSocket.fromSocket(raw.fd), "TYPE_MISMATCH", DGRAM_NOT_STREAM);
      },
    }),
    adoption({
      name: "unix-datagram-wrong-address-family",
      description: `a bound UDP fd is FAMILY_MISMATCH "${UNIX_NOT_INET}" (gap in AnyIO's tests)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram", { bound: true });
        await expectRefused(t, raw.fd, () => UNIXDatagramSocket.fromSocket(raw.fd), "FAMILY_MISMATCH", UNIX_NOT_INET);
      },
    }),

    // ---- ConnectedUNIXDatagramSocket (AnyIO TestConnectedUNIXDatagramSocket) -------------------
    adoption({
      name: "connected-unix-datagram-from-socket",
      description:
        "a connected Unix datagram fd becomes a ConnectedUNIXDatagramSocket that talks to its peer (AnyIO test_from_socket)",
      async run(t) {
        const raw = await rawSocket(t, "unix", "dgram", { connected: true });
        const socket = raw.adopted(raw.fd, await ConnectedUNIXDatagramSocket.fromSocket(raw.fd));
        instanceOf(socket, ConnectedUNIXDatagramSocket, "ConnectedUNIXDatagramSocket.fromSocket()");
        equal(socket.extra(SocketAttribute.family), "unix", "family");
        const peer = raw.adopted(peerOf(raw), await ConnectedUNIXDatagramSocket.fromSocket(peerOf(raw)));
        await socket.send(utf8("ping"));
        bytesEqual(await peer.receive(), "ping", "datagram at the peer");
        await peer.send(utf8("pong"));
        bytesEqual(await socket.receive(), "pong", "reply");
        await closeAndCheckReleased(t, socket, raw.fd);
      },
    }),
    adoption({
      name: "connected-unix-datagram-wrong-socket-type",
      description: `a connected Unix stream fd is TYPE_MISMATCH "${DGRAM_NOT_STREAM}" (AnyIO test_from_socket_wrong_socket_type)`,
      async run(t) {
        const raw = await rawSocket(t, "unix", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => ConnectedUNIXDatagramSocket.fromSocket(raw.fd), "TYPE_MISMATCH", DGRAM_NOT_STREAM);
      },
    }),
    adoption({
      name: "connected-unix-datagram-not-connected",
      description:
        'a bound Unix datagram fd is NOT_CONNECTED "the socket must be connected" (AnyIO test_from_socket_not_connected)',
      async run(t) {
        const raw = await rawSocket(t, "unix", "dgram", { bound: true, path: (await unixPath(t)).path });
        await expectRefused(t, raw.fd, () => ConnectedUNIXDatagramSocket.fromSocket(raw.fd), "NOT_CONNECTED", NOT_CONNECTED);
      },
    }),
    adoption({
      name: "connected-unix-datagram-wrong-address-family",
      description: `a connected UDP fd is FAMILY_MISMATCH "${UNIX_NOT_INET}" (gap in AnyIO's tests)`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "dgram", { connected: true });
        await expectRefused(t, raw.fd, () => ConnectedUNIXDatagramSocket.fromSocket(raw.fd), "FAMILY_MISMATCH", UNIX_NOT_INET);
      },
    }),

    // ---- auto-detection ------------------------------------------------------------------------
    ...CLIENT_KINDS.map((kind) =>
      adoption({
        name: `wrap-client-socket[${kind.id}]`,
        description:
          "wrapClientSocket() detects the kind of a connected fd and returns exactly the matching class; aclose() releases the fd",
        async run(t) {
          const raw = await rawOfKind(t, kind);
          const socket = raw.adopted(raw.fd, await wrapClientSocket(raw.fd));
          equal(socket.constructor, kind.Class, `class of wrapClientSocket(${kind.id})`);
          equal(socket.extra(SocketAttribute.family), kind.family, "family");
          await closeAndCheckReleased(t, socket, raw.fd);
        },
      }),
    ),
    ...SERVER_KINDS.map((kind) =>
      adoption({
        name: `wrap-server-socket[${kind.id}]`,
        description:
          "wrapServerSocket() detects the kind of a listening, bound or unconnected fd and returns exactly the matching class; aclose() releases the fd",
        async run(t) {
          const raw = await rawOfKind(t, kind);
          const socket = raw.adopted(raw.fd, await wrapServerSocket(raw.fd));
          equal(socket.constructor, kind.Class, `class of wrapServerSocket(${kind.id})`);
          equal(socket.extra(SocketAttribute.family), kind.family, "family");
          await closeAndCheckReleased(t, socket, raw.fd);
        },
      }),
    ),

    // ---- bad inputs ----------------------------------------------------------------------------
    ...NOT_AN_FD.map(
      ([label, value, shown]): CaseDefinition => ({
        name: `not-an-fd[${label}]`,
        description: `${label} is neither an fd nor a socket object: TypeError "expected an int or socket, got ${shown} instead" from both wrap functions`,
        async run() {
          const message = `expected an int or socket, got ${shown} instead`;
          await rejects(() => wrapClientSocket(value as never), TypeError, message, "wrapClientSocket");
          await rejects(() => wrapServerSocket(value as never), TypeError, message, "wrapServerSocket");
        },
      }),
    ),
    adoption({
      name: "closed-fd",
      description: "an fd that was just closed is EBADF from both wrap functions",
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream");
        // Closed here, so out of the cleanup's hands.
        raw.forget(raw.fd);
        await factory(t).close(raw.fd);
        equal(await factory(t).isOpen(raw.fd), false, "the fd is closed");
        const client = await rejects(() => wrapClientSocket(raw.fd), Error, undefined, "wrapClientSocket");
        const server = await rejects(() => wrapServerSocket(raw.fd), Error, undefined, "wrapServerSocket");
        for (const error of [client, server]) equal((error as { code?: unknown }).code, "EBADF", `code of ${String(error)}`);
        notEqual(client.message, "", "message");
      },
    }),
    adoption({
      name: "non-socket-fd",
      description: `an fd that is not a socket is ENOTSOCK "${NOT_A_SOCKET}" from both wrap functions, left open and unchanged`,
      async run(t) {
        const fd = await nonSocketFd(t);
        await expectRefused(t, fd, () => wrapClientSocket(fd), "ENOTSOCK", NOT_A_SOCKET);
        await expectRefused(t, fd, () => wrapServerSocket(fd), "ENOTSOCK", NOT_A_SOCKET);
      },
    }),
    adoption({
      name: "listening-to-wrap-client-socket",
      description: "a listening fd given to wrapClientSocket is NOT_CONNECTED, and the message says what to use instead",
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { listening: true });
        await expectRefused(
          t,
          raw.fd,
          () => wrapClientSocket(raw.fd),
          "NOT_CONNECTED",
          "the socket must be connected (it is listening: adopt it with wrapServerSocket or SocketListener.fromSocket)",
        );
      },
    }),
    ...CLIENT_KINDS.map((kind) =>
      adoption({
        name: `connected-to-wrap-server-socket[${kind.id}]`,
        description: "a connected fd given to wrapServerSocket is CONNECTED, and the message says to use wrapClientSocket",
        async run(t) {
          const raw = await rawOfKind(t, kind);
          await expectRefused(
            t,
            raw.fd,
            () => wrapServerSocket(raw.fd),
            "CONNECTED",
            /^the socket must not be connected \(it is connected: adopt it with wrapClientSocket\)/,
          );
        },
      }),
    ),
    ...([false, true] as const).map((nonBlocking) =>
      adoption({
        name: `unbound-tcp[${nonBlocking ? "non-blocking" : "blocking"}]`,
        description:
          "an unbound TCP fd is NOT_BOUND to wrapServerSocket and NOT_CONNECTED to wrapClientSocket, its blocking mode kept either way",
        async run(t) {
          const raw = await rawSocket(t, "inet", "stream", { nonBlocking });
          await expectRefused(t, raw.fd, () => wrapServerSocket(raw.fd), "NOT_BOUND", NOT_BOUND);
          await expectRefused(t, raw.fd, () => wrapClientSocket(raw.fd), "NOT_CONNECTED", NOT_CONNECTED);
          equal(await factory(t).isNonBlocking(raw.fd), nonBlocking, "O_NONBLOCK");
        },
      }),
    ),
    adoption({
      name: "inet-to-unix-stream",
      description: `a connected AF_INET stream fd given to UNIXSocketStream.fromSocket is FAMILY_MISMATCH "${UNIX_NOT_INET}"`,
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => UNIXSocketStream.fromSocket(raw.fd), "FAMILY_MISMATCH", UNIX_NOT_INET);
      },
    }),
    adoption({
      name: "refused-then-adopted",
      description:
        "a refusal leaves the fd fully usable: the same fd, refused by the wrong class, is then adopted by the right one and works",
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true });
        await expectRefused(t, raw.fd, () => UDPSocket.fromSocket(raw.fd), "TYPE_MISMATCH", DGRAM_NOT_STREAM);
        const stream = raw.adopted(raw.fd, await SocketStream.fromSocket(raw.fd));
        const peer = raw.adopted(peerOf(raw), await SocketStream.fromSocket(peerOf(raw)));
        await exchange(stream, peer);
      },
    }),
  ],
};
