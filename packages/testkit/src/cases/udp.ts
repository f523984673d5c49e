import { SocketAttribute, TypedAttributeLookupError, UDPSocket, createUdpSocket, type IPSocketAddress } from "@portio/core";
import { atLeast, bytesEqual, deepEqual, describe, equal, fail, instanceOf, notEqual, ok, rejects, throws } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import { pattern, reversed, utf8 } from "../support/bytes.ts";
import { errorCode } from "../support/error-code.ts";
import { FAMILY_ID, LOOPBACK, perFamily, type IPFamily } from "../support/tcp.ts";
import { receiveLoopFiresDueTimer } from "../support/io.ts";
import { loopbackUdp, udpPort } from "../support/udp.ts";
import { datagramLifecycleCases } from "./datagram-lifecycle.ts";

/** The any-address a socket created with only a family is bound to. */
const ANY: Readonly<Record<IPFamily, string>> = { inet: "0.0.0.0", inet6: "::" };

/** The shared datagram cases for an unconnected UDP socket of `family`, named `…[ipv4]` / `…[ipv6]`. */
function lifecycleCases(family: IPFamily): CaseDefinition[] {
  return datagramLifecycleCases(async (t) => {
    const socket = await loopbackUdp(t, family);
    const sender = await loopbackUdp(t, family);
    return {
      socket,
      deliver: (data) => sender.sendto(data, LOOPBACK[family], udpPort(socket)),
      sendFromSocket: (data) => socket.sendto(data, LOOPBACK[family], udpPort(sender)),
      payload: (received) => (received as [Uint8Array, IPSocketAddress])[0],
    };
  }, `[${FAMILY_ID[family]}]`).map((c) => (family === "inet6" ? { ...c, requires: ["ipv6"] as const } : c));
}

/** AnyIO's TestUDPSocket (without fromSocket, which is in the adoption suite) plus portio's own UDP cases. */
export const udpSuite: SuiteDefinition = {
  suite: "udp",
  cases: [
    ...perFamily(
      "extra-attributes",
      "family, localAddress and localPort of an unconnected socket; no remote attributes; a non-blocking fd when one is exposed (AnyIO test_extra_attributes)",
      async (t, family) => {
        const socket = await loopbackUdp(t, family);
        instanceOf(socket, UDPSocket, "createUdpSocket()");
        equal(socket.extra(SocketAttribute.family), family, "family");
        const [host, port] = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        equal(host, LOOPBACK[family], "localAddress host");
        atLeast(port, 1, "localAddress port");
        equal(socket.extra(SocketAttribute.localPort), port, "localPort");
        throws(() => socket.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
        throws(() => socket.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
        const fd = socket.extra(SocketAttribute.fd, undefined);
        if (fd !== undefined && t.harness.rawSockets !== undefined) {
          equal(await t.harness.rawSockets.isNonBlocking(fd), true, "O_NONBLOCK of the socket's fd");
        }
      },
    ),
    {
      name: "receive-loop-lets-timers-run",
      description:
        "a receive loop over datagrams that are already queued still lets timers run: 128 one-byte datagrams sent first, then received one by one, a timer due before the loop fires before it ends (in one of at most 8 such rounds: 128 datagrams give only two turns of the budget, and a turn may come just before the timers' phase)",
      async run(t) {
        const socket = await loopbackUdp(t, "inet");
        const sender = await loopbackUdp(t, "inet");
        const count = 128; // fits the kernel's default receive buffer: loopback drops none of them
        for (let round = 0; round < 8; round++) {
          for (let i = 0; i < count; i++) await sender.sendto(new Uint8Array([i]), LOOPBACK.inet, udpPort(socket));
          // An event-loop turn with no receive waiting: a runtime that hands datagrams over as events
          // (Node, Bun) queues them in portio now; with a receive waiting, Bun would hand them over
          // one by one to it (a microtask checkpoint between each) and nothing would queue.
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (await receiveLoopFiresDueTimer(count, async () => (await socket.receive())[0].byteLength)) return;
        }
        fail("a due timer never fired while 8 rounds of 128 receives ran (the loop never let the event loop turn)");
      },
    },
    ...perFamily(
      "send-receive",
      "a datagram sent to itself arrives as [data, [host, port]] with its own address as the sender; send([data, address]) works too (AnyIO test_send_receive)",
      async (t, family) => {
        const socket = await loopbackUdp(t, family);
        const host = LOOPBACK[family];
        const port = udpPort(socket);
        await socket.sendto(utf8("blah"), host, port);
        const [request, sender] = await socket.receive();
        bytesEqual(request, "blah", "datagram");
        equal(Object.getPrototypeOf(request), Uint8Array.prototype, "the datagram is a plain Uint8Array");
        deepEqual(sender, socket.extra(SocketAttribute.localAddress), "sender");
        await socket.send([utf8("halb"), [host, port]]);
        deepEqual(await socket.receive(), [utf8("halb"), [host, port]], "second datagram");
      },
    ),
    ...perFamily(
      "send-too-large",
      "a datagram above UDP's largest payload (70,000 bytes) is refused by that sendto() with a RangeError naming its size, the runtime's EMSGSIZE as its cause; the socket goes on sending and receiving",
      async (t, family) => {
        const socket = await loopbackUdp(t, family);
        const host = LOOPBACK[family];
        const port = udpPort(socket);
        for (let attempt = 0; attempt < 2; attempt++) {
          const error = await rejects(socket.sendto(new Uint8Array(70_000), host, port), RangeError, "70000-byte datagram");
          equal(errorCode(error.cause), "EMSGSIZE", `code of the cause ${describe(error.cause)}`);
        }
        await socket.sendto(utf8("after"), host, port);
        deepEqual(await socket.receive(), [utf8("after"), [host, port]], "the datagram sent after the refused ones");
      },
    ),
    ...perFamily(
      "iterate",
      "for await over a socket yields [data, address]; an echo server built on it answers; aclose() ends the loop quietly (AnyIO test_iterate)",
      async (t, family) => {
        const server = await loopbackUdp(t, family);
        const client = await loopbackUdp(t, family);
        const host = LOOPBACK[family];
        const port = udpPort(server);
        const serving = (async () => {
          for await (const [packet, address] of server) await server.send([reversed(packet), address]);
        })();
        t.defer(() => serving.catch(() => {}));
        await client.sendto(utf8("FOOBAR"), host, port);
        deepEqual(await client.receive(), [utf8("RABOOF"), [host, port]], "first reply");
        await client.sendto(utf8("123456"), host, port);
        deepEqual(await client.receive(), [utf8("654321"), [host, port]], "second reply");
        await server.aclose();
        await serving;
      },
    ),
    ...perFamily(
      "reuse-port",
      "with reusePort a second socket binds the same port; without it the bind fails with EADDRINUSE (AnyIO test_reuse_port)",
      async (t, family) => {
        const first = await loopbackUdp(t, family, { reusePort: true });
        const port = udpPort(first);
        notEqual(port, 0, "port");
        const second = await loopbackUdp(t, family, { localPort: port, reusePort: true });
        equal(udpPort(second), port, "the second socket's port");
        const error = await rejects(createUdpSocket({ family, localHost: LOOPBACK[family], localPort: port }), Error);
        equal(errorCode(error), "EADDRINUSE", `code of ${describe(error)}`);
      },
    ),
    ...perFamily(
      "create-unbound-socket",
      "createUdpSocket({ family }) with no host is bound to the any-address with a port > 0 (AnyIO test_create_unbound_socket, #360)",
      async (t, family) => {
        const socket = t.use(await createUdpSocket({ family }));
        const [host, port] = socket.extra(SocketAttribute.localAddress) as IPSocketAddress;
        equal(host, ANY[family], "localAddress host");
        atLeast(port, 1, "localAddress port");
      },
    ),
    ...perFamily(
      "aclose-releases-port",
      "aclose() releases the fd before it resolves: the same port binds again at once, without SO_REUSEADDR or SO_REUSEPORT (AnyIO test_aclose_waits_for_fd_release)",
      async (t, family) => {
        let port = 0;
        for (let round = 0; round < 2; round++) {
          const socket = await createUdpSocket({ family, localHost: LOOPBACK[family], localPort: port });
          port = udpPort(socket);
          await socket.aclose();
        }
        const again = await loopbackUdp(t, family, { localPort: port });
        equal(udpPort(again), port, "port bound again");
      },
    ),
    ...perFamily(
      "whole-datagrams",
      "datagrams arrive whole and in order over loopback, empty and 65,507-byte ones included, each with its sender",
      async (t, family) => {
        const receiver = await loopbackUdp(t, family);
        const sender = await loopbackUdp(t, family);
        const sizes = [1, 0, 100, 1500, 9000, 65_507];
        const datagrams = sizes.map((size, seed) => pattern(size, seed));
        for (const datagram of datagrams) await sender.sendto(datagram, LOOPBACK[family], udpPort(receiver));
        for (const [index, datagram] of datagrams.entries()) {
          const [data, from] = await receiver.receive();
          bytesEqual(data, datagram, `datagram ${index} (${datagram.byteLength} bytes)`);
          deepEqual(from, sender.extra(SocketAttribute.localAddress), `sender of datagram ${index}`);
        }
      },
    ),
    ...perFamily(
      "interleaved-senders",
      "datagrams from three senders taking turns each report their own sender (a backend may reuse the last sender's tuple)",
      async (t, family) => {
        const receiver = await loopbackUdp(t, family);
        const senders = [await loopbackUdp(t, family), await loopbackUdp(t, family), await loopbackUdp(t, family)];
        // Runs from one sender, then switches: A A B C C C A B ...
        const order = [0, 0, 1, 2, 2, 2, 0, 1, 1, 0, 2, 1];
        for (const [index, which] of order.entries()) {
          await senders[which]!.sendto(Uint8Array.of(index, which), LOOPBACK[family], udpPort(receiver));
        }
        for (let count = 0; count < order.length; count++) {
          const [data, from] = await receiver.receive();
          const [index, which] = data;
          equal(which, order[index!], `datagram ${index}: its payload`);
          deepEqual(from, senders[which!]!.extra(SocketAttribute.localAddress), `sender of datagram ${index}`);
        }
      },
    ),
    ...perFamily(
      "too-large-to-send",
      "a datagram larger than UDP can carry (65,536 bytes) is a RangeError, and the socket stays usable",
      async (t, family) => {
        const socket = await loopbackUdp(t, family);
        await rejects(socket.sendto(new Uint8Array(65_536), LOOPBACK[family], udpPort(socket)), RangeError);
        await socket.sendto(utf8("small"), LOOPBACK[family], udpPort(socket));
        bytesEqual((await socket.receive())[0], "small", "the datagram after the refused one");
      },
    ),
    ...perFamily(
      "port-in-use",
      "creating a socket on a port in use fails with the runtime's EADDRINUSE (and leaks no fd)",
      async (t, family) => {
        const first = await loopbackUdp(t, family);
        const error = await rejects(createUdpSocket({ family, localHost: LOOPBACK[family], localPort: udpPort(first) }), Error);
        ok(errorCode(error) === "EADDRINUSE", `expected EADDRINUSE, got ${describe(error)}`);
      },
    ),
    ...lifecycleCases("inet"),
    ...lifecycleCases("inet6"),
  ],
};
