import {
  DatagramTooLargeError,
  SocketAttribute,
  TypedAttributeLookupError,
  UNIXDatagramSocket,
  createUnixDatagramSocket,
  type UNIXSocketAddress,
} from "@portio/core";
import { atLeast, bytesEqual, deepEqual, equal, fail, instanceOf, ok, rejects, throws } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { pattern, reversed, utf8, viewSlicing } from "../support/bytes.ts";
import { perPathKind, nonUtf8Path, unixPath } from "../support/unix.ts";
import { allArriveInOrder, fsencode, inForm, perKindAndForm, unixDatagram } from "../support/unix-datagram.ts";
import { unlessUnsupported } from "../support/unsupported.ts";
import { datagramLifecycleCases } from "./datagram-lifecycle.ts";

/** Bigger than the 256 KiB receive buffer portio's backends use, smaller than a raised SO_SNDBUF lets through. */
const OVERSIZED = 300_000;

/** AnyIO's TestUNIXDatagramSocket (without fromSocket, which is in the adoption suite) plus portio's own cases. */
export const unixDatagramSuite: SuiteDefinition = {
  suite: "unix-datagram",
  cases: [
    ...perPathKind(
      "extra-attributes",
      "family, localAddress (a path as a string, an abstract name as bytes); no ports, no remote address; a non-blocking fd (AnyIO test_extra_attributes)",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const socket = await unixDatagram(t, { localPath: address.path });
        instanceOf(socket, UNIXDatagramSocket, "createUnixDatagramSocket()");
        equal(socket.extra(SocketAttribute.family), "unix", "family");
        deepEqual(socket.extra(SocketAttribute.localAddress), address.reported, "localAddress");
        throws(() => socket.extra(SocketAttribute.localPort), TypedAttributeLookupError);
        throws(() => socket.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
        throws(() => socket.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
        const fd = socket.extra(SocketAttribute.fd, undefined);
        if (fd !== undefined && t.harness.rawSockets !== undefined) {
          equal(await t.harness.rawSockets.isNonBlocking(fd), true, "O_NONBLOCK of the socket's fd");
        }
      },
    ),
    ...perKindAndForm(
      "send-receive",
      "a datagram sent to its own address (given as a string or as bytes) arrives as [data, path] (AnyIO test_send_receive)",
      async (t, kind, form) => {
        const address = await unixPath(t, kind);
        const socket = await unixDatagram(t, { localPath: inForm(address.path, form) });
        await socket.sendto(utf8("blah"), inForm(address.path, form));
        const [data, sender] = await socket.receive();
        bytesEqual(data, "blah", "datagram");
        bytesEqual(fsencode(sender), utf8(address.path), "sender");
        await socket.send([utf8("halb"), inForm(address.path, form)]);
        bytesEqual((await socket.receive())[0], "halb", "second datagram");
      },
    ),
    ...perPathKind(
      "iterate",
      "for await yields [data, path]; an echo server built on it answers; aclose() ends the loop quietly (AnyIO test_iterate)",
      async (t, kind) => {
        const serverAddress = await unixPath(t, kind);
        const clientAddress = await unixPath(t, kind);
        const server = await unixDatagram(t, { localPath: serverAddress.path });
        const client = await unixDatagram(t, { localPath: clientAddress.path });
        const serving = (async () => {
          for await (const [packet, sender] of server) await server.sendto(reversed(packet), sender);
        })();
        t.defer(() => serving.catch(() => {}));
        await client.sendto(utf8("FOOBAR"), serverAddress.path);
        const [reply, from] = await client.receive();
        bytesEqual(reply, "RABOOF", "reply");
        deepEqual(from, serverAddress.reported, "reply's sender");
        await server.aclose();
        await serving;
      },
    ),
    {
      name: "unnamed-sender",
      description: 'a socket created without a path has localAddress "", and its datagrams arrive from ""',
      async run(t) {
        const address = await unixPath(t);
        const server = await unixDatagram(t, { localPath: address.path });
        const anonymous = await unixDatagram(t);
        equal(anonymous.extra(SocketAttribute.localAddress), "", "localAddress of an unnamed socket");
        await anonymous.sendto(utf8("who?"), address.path);
        deepEqual(await server.receive(), [utf8("who?"), ""], "datagram and sender");
      },
    },
    {
      name: "sendto-address-reuse",
      description:
        "a destination given as bytes may be overwritten once sendto() resolves, even bytes whose slice() is a view (a Node Buffer): the next sendto() goes to the new path",
      async run(t) {
        const dir = await t.tempDir();
        const first = await unixDatagram(t, { localPath: `${dir}/socket-a` });
        const second = await unixDatagram(t, { localPath: `${dir}/socket-b` });
        const sender = await unixDatagram(t);
        const destination = viewSlicing(utf8(`${dir}/socket-a`));
        await sender.sendto(utf8("one"), destination);
        bytesEqual((await first.receive())[0], "one", "first datagram, at socket-a");
        // Reused for the next peer, as a caller's scratch buffer is; a cached copy of the old bytes must not win.
        destination.set(utf8(`${dir}/socket-b`));
        await sender.sendto(utf8("two"), destination);
        const atFirst = first.receive().then(() => "socket-a");
        const atSecond = second.receive().then(([data]) => {
          bytesEqual(data, "two", "second datagram");
          return "socket-b";
        });
        atFirst.catch(() => {});
        atSecond.catch(() => {});
        equal(await Promise.race([atFirst, atSecond]), "socket-b", "where the second datagram went");
      },
    },
    {
      name: "local-path-bytes",
      description: "localPath given as UTF-8 bytes binds that path, reported as a string (AnyIO test_local_path_bytes)",
      async run(t) {
        const address = await unixPath(t);
        const socket = await unixDatagram(t, { localPath: utf8(address.path) });
        equal(socket.extra(SocketAttribute.localAddress), address.path, "localAddress");
        await socket.sendto(utf8("x"), address.path);
        bytesEqual((await socket.receive())[0], "x", "datagram sent to the string form of the path");
      },
    },
    {
      name: "local-path-non-utf8",
      description:
        "a localPath that is not valid UTF-8 binds those exact bytes, reported as bytes and usable as a destination, or the backend refuses it with an explaining UnsupportedError (AnyIO test_local_path_invalid_ascii)",
      async run(t) {
        const path = await nonUtf8Path(t);
        const socket = await unlessUnsupported(() => createUnixDatagramSocket({ localPath: path }));
        if (socket === undefined) return;
        t.use(socket);
        deepEqual(socket.extra(SocketAttribute.localAddress), path, "localAddress (bytes, since not UTF-8)");
        await socket.sendto(utf8("raw"), path);
        const [data, sender] = await socket.receive();
        bytesEqual(data, "raw", "datagram");
        deepEqual(sender, path, "sender");
      },
    },
    {
      name: "oversized-datagram",
      description:
        "a datagram larger than the backend's receive buffer is DatagramTooLargeError (size and buffer given), and the next datagram arrives as usual",
      requires: ["rawSockets"],
      async run(t) {
        const address = await unixPath(t);
        const receiver = await unixDatagram(t, { localPath: address.path });
        const sender = await unixDatagram(t);
        const fd = sender.extra(SocketAttribute.fd, undefined);
        if (fd === undefined) fail("the sender exposes no SocketAttribute.fd, so its SO_SNDBUF cannot be raised");
        // Linux caps a Unix datagram at the sender's SO_SNDBUF (about 208 KiB by default).
        await t.harness.rawSockets!.setSendBufferSize(fd, 1 << 20);
        const big = pattern(OVERSIZED);
        await sender.sendto(big, address.path);
        await sender.sendto(utf8("after"), address.path);
        const error = await rejects(receiver.receive(), DatagramTooLargeError);
        ok(error.bufferSize > 0 && error.bufferSize < OVERSIZED, `bufferSize ${error.bufferSize} should be below ${OVERSIZED}`);
        atLeast(error.size, error.bufferSize + 1, "size");
        deepEqual(await receiver.receive(), [utf8("after"), ""], "the datagram after the oversized one");
      },
    },
    ...perPathKind(
      "aclose-releases-address",
      "aclose() releases the fd before it resolves: the same path (its stale file replaced) or abstract name binds again at once",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const first = await createUnixDatagramSocket({ localPath: address.path });
        await first.aclose();
        const again = await unixDatagram(t, { localPath: address.path });
        await again.sendto(utf8("x"), address.path);
        bytesEqual((await again.receive())[0], "x", "datagram to the rebound address");
      },
    ),
    {
      name: "sender-outpacing-receiver",
      description:
        "an unconnected sender faster than its receiver (the kernel queue holds about 10 datagrams) gets 200 datagrams through, none lost, in order",
      async run(t) {
        const address = await unixPath(t);
        const receiver = await unixDatagram(t, { localPath: address.path });
        const sender = await unixDatagram(t);
        await allArriveInOrder(
          t,
          (data) => sender.sendto(data, address.path),
          async () => (await receiver.receive())[0],
        );
      },
    },
    ...datagramLifecycleCases(async (t) => {
      const address = await unixPath(t);
      const socket = await unixDatagram(t, { localPath: address.path });
      const other = await unixPath(t);
      const sender = await unixDatagram(t, { localPath: other.path });
      return {
        socket,
        deliver: (data) => sender.sendto(data, address.path),
        sendFromSocket: (data) => socket.sendto(data, other.path),
        payload: (received) => (received as [Uint8Array, UNIXSocketAddress])[0],
      };
    }),
  ],
};
