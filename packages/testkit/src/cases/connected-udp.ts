import {
  ConnectedUDPSocket,
  SocketAttribute,
  createConnectedUdpSocket,
  createUdpSocket,
  type IPSocketAddress,
} from "@portio/core";
import { atLeast, bytesEqual, deepEqual, describe, equal, instanceOf, notEqual, rejects } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { reversed, utf8 } from "../support/bytes.ts";
import { errorCode } from "../support/error-code.ts";
import { FAMILY_ID, LOOPBACK, perFamily, type IPFamily } from "../support/tcp.ts";
import { loopbackUdp, udpPort } from "../support/udp.ts";
import { datagramLifecycleCases } from "./datagram-lifecycle.ts";

/** A socket connected to `peerPort` on the loopback address of `family`; closed after the case. */
async function connectedTo(
  t: CaseContext,
  family: IPFamily,
  peerPort: number,
  options: { localPort?: number; reusePort?: boolean } = {},
): Promise<ConnectedUDPSocket> {
  return t.use(await createConnectedUdpSocket(LOOPBACK[family], peerPort, { ...options, family, localHost: LOOPBACK[family] }));
}

/** The shared datagram cases for a connected UDP socket of `family`. */
function lifecycleCases(family: IPFamily): CaseDefinition[] {
  return datagramLifecycleCases(async (t) => {
    const peer = await loopbackUdp(t, family);
    const socket = await connectedTo(t, family, udpPort(peer));
    return {
      socket,
      deliver: (data) => peer.sendto(data, LOOPBACK[family], socket.extra(SocketAttribute.localPort)),
      sendFromSocket: (data) => socket.send(data),
      payload: (received) => received as Uint8Array,
    };
  }, `[${FAMILY_ID[family]}]`).map((c) => (family === "inet6" ? { ...c, requires: ["ipv6"] as const } : c));
}

/** AnyIO's TestConnectedUDPSocket (without fromSocket, which is in the adoption suite) plus portio's own cases. */
export const connectedUdpSuite: SuiteDefinition = {
  suite: "connected-udp",
  cases: [
    ...perFamily(
      "extra-attributes",
      "family, local address narrowed to loopback by the connect, and the peer's address and port (AnyIO test_extra_attributes)",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        // No localHost: bound to the any-address first, the connect narrows it to the route's address.
        const socket = t.use(await createConnectedUdpSocket(LOOPBACK[family], udpPort(peer), { family }));
        instanceOf(socket, ConnectedUDPSocket, "createConnectedUdpSocket()");
        equal(socket.extra(SocketAttribute.family), family, "family");
        const [host, port] = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        equal(host, LOOPBACK[family], "localAddress host");
        atLeast(port, 1, "localAddress port");
        equal(socket.extra(SocketAttribute.localPort), port, "localPort");
        deepEqual(socket.extra(SocketAttribute.remoteAddress), [LOOPBACK[family], udpPort(peer)], "remoteAddress");
        equal(socket.extra(SocketAttribute.remotePort), udpPort(peer), "remotePort");
      },
    ),
    ...perFamily(
      "local-address-and-port",
      "localHost and localPort are honoured (AnyIO binds a given local address too)",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const placeholder = await createUdpSocket({ family, localHost: LOOPBACK[family] });
        const localPort = udpPort(placeholder);
        await placeholder.aclose();
        const socket = await connectedTo(t, family, udpPort(peer), { localPort });
        deepEqual(socket.extra(SocketAttribute.localAddress), [LOOPBACK[family], localPort], "localAddress");
      },
    ),
    ...perFamily(
      "send-receive",
      "send(data) reaches the peer as [data, our address]; the peer's sendto comes back from receive() as bare bytes (AnyIO test_send_receive)",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const socket = await connectedTo(t, family, udpPort(peer));
        const address = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        await socket.send(utf8("blah"));
        deepEqual(await peer.receive(), [utf8("blah"), address], "what the peer received");
        await peer.sendto(utf8("halb"), address[0], address[1]);
        const response = await socket.receive();
        bytesEqual(response, "halb", "reply");
        equal(Object.getPrototypeOf(response), Uint8Array.prototype, "the datagram is a plain Uint8Array");
      },
    ),
    ...perFamily(
      "iterate",
      "for await over a connected socket yields bare datagrams; an echo built on it answers; aclose() ends the loop quietly (AnyIO test_iterate)",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const socket = await connectedTo(t, family, udpPort(peer));
        const [host, port] = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        const serving = (async () => {
          for await (const packet of socket) await socket.send(reversed(packet));
        })();
        t.defer(() => serving.catch(() => {}));
        await peer.sendto(utf8("FOOBAR"), host, port);
        deepEqual(await peer.receive(), [utf8("RABOOF"), [host, port]], "first reply");
        await peer.sendto(utf8("123456"), host, port);
        deepEqual(await peer.receive(), [utf8("654321"), [host, port]], "second reply");
        await socket.aclose();
        await serving;
      },
    ),
    ...perFamily(
      "send-too-large",
      "a datagram above UDP's largest payload (70,000 bytes) is refused by that send() with a RangeError naming its size, the runtime's EMSGSIZE as its cause; the socket goes on sending",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const socket = await connectedTo(t, family, udpPort(peer));
        const error = await rejects(socket.send(new Uint8Array(70_000)), RangeError, "70000-byte datagram");
        equal(errorCode(error.cause), "EMSGSIZE", `code of the cause ${describe(error.cause)}`);
        await socket.send(utf8("after"));
        bytesEqual((await peer.receive())[0], "after", "the datagram sent after the refused one");
      },
    ),
    ...perFamily(
      "only-peer-datagrams",
      "a connected socket receives only its peer's datagrams; a stranger's are filtered out by the kernel",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const stranger = await loopbackUdp(t, family);
        const socket = await connectedTo(t, family, udpPort(peer));
        const port = socket.extra(SocketAttribute.localPort);
        await stranger.sendto(utf8("not for you"), LOOPBACK[family], port);
        await peer.sendto(utf8("for you"), LOOPBACK[family], port);
        bytesEqual(await socket.receive(), "for you", "the first datagram received");
      },
    ),
    ...perFamily(
      "reuse-port",
      "with reusePort a second connected socket binds the same local port (AnyIO test_reuse_port)",
      async (t, family) => {
        const peer1 = await loopbackUdp(t, family);
        const peer2 = await loopbackUdp(t, family);
        const first = await connectedTo(t, family, udpPort(peer1), { reusePort: true });
        const port = first.extra(SocketAttribute.localPort);
        notEqual(port, 0, "port");
        const second = await connectedTo(t, family, udpPort(peer2), { localPort: port, reusePort: true });
        equal(second.extra(SocketAttribute.localPort), port, "the second socket's port");
      },
    ),
    ...perFamily(
      "aclose-releases-port",
      "aclose() releases the fd before it resolves: its local port binds again at once, without SO_REUSEADDR (AnyIO test_aclose_waits_for_fd_release)",
      async (t, family) => {
        const peer = await loopbackUdp(t, family);
        const socket = await createConnectedUdpSocket(LOOPBACK[family], udpPort(peer), { family, localHost: LOOPBACK[family] });
        const port = socket.extra(SocketAttribute.localPort);
        await socket.aclose();
        const again = await loopbackUdp(t, family, { localPort: port });
        equal(udpPort(again), port, "port bound again");
      },
    ),
    ...perFamily(
      "receive-after-icmp-error",
      "after a send to a port nobody listens on (the kernel queues ECONNREFUSED on the socket), the socket goes on receiving",
      async (t, family) => {
        const gone = await createUdpSocket({ family, localHost: LOOPBACK[family] });
        const gonePort = udpPort(gone);
        await gone.aclose();
        const socket = await connectedTo(t, family, gonePort);
        await socket.send(utf8("anyone?"));
        // UDP ports are free at once: someone binds it again and answers.
        const back = await loopbackUdp(t, family, { localPort: gonePort });
        await back.sendto(utf8("here"), LOOPBACK[family], socket.extra(SocketAttribute.localPort));
        bytesEqual(await socket.receive(), "here", "the answer");
      },
    ),
    ...lifecycleCases("inet"),
    ...lifecycleCases("inet6"),
  ],
};
