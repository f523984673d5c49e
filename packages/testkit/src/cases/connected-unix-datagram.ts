import {
  ConnectedUNIXDatagramSocket,
  SocketAttribute,
  TypedAttributeLookupError,
  createConnectedUnixDatagramSocket,
} from "@portio/core";
import { bytesEqual, deepEqual, describe, equal, instanceOf, rejects, throws } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { reversed, text, utf8 } from "../support/bytes.ts";
import { errorCode } from "../support/error-code.ts";
import { perPathKind, unixPath, type UNIXPathKind } from "../support/unix.ts";
import {
  allArriveInOrder,
  connectedUnixDatagram,
  fsencode,
  inForm,
  unixDatagram,
  type PathForm,
} from "../support/unix-datagram.ts";
import { datagramLifecycleCases } from "./datagram-lifecycle.ts";

const KINDS: readonly UNIXPathKind[] = ["path", "abstract"];
const FORMS: readonly PathForm[] = ["str", "bytes"];

/**
 * One case per own path kind, peer path kind and path form, named `name[kind,peer-kind,form]`
 * (AnyIO's socket_path × peer_socket_path × str/bytes params).
 */
function perPairing(
  name: string,
  description: string,
  run: (t: CaseContext, kind: UNIXPathKind, peerKind: UNIXPathKind, form: PathForm) => Promise<void>,
): CaseDefinition[] {
  return KINDS.flatMap((kind) =>
    KINDS.flatMap((peerKind) =>
      FORMS.map((form) => ({
        name: `${name}[${kind},${peerKind}-peer,${form}]`,
        description,
        ...(kind === "abstract" || peerKind === "abstract" ? { requires: ["abstractUnix"] as const } : {}),
        run: (t: CaseContext) => run(t, kind, peerKind, form),
      })),
    ),
  );
}

/** AnyIO's TestConnectedUNIXDatagramSocket (without fromSocket, which is in the adoption suite) plus portio's own cases. */
export const connectedUnixDatagramSuite: SuiteDefinition = {
  suite: "connected-unix-datagram",
  cases: [
    ...perPairing(
      "extra-attributes",
      "family, localAddress is its own path, remoteAddress the peer's (compared as bytes); no ports (AnyIO test_extra_attributes)",
      async (t, kind, peerKind, form) => {
        const own = await unixPath(t, kind);
        const peer = await unixPath(t, peerKind);
        await unixDatagram(t, { localPath: peer.path });
        const socket = await connectedUnixDatagram(t, inForm(peer.path, form), { localPath: inForm(own.path, form) });
        instanceOf(socket, ConnectedUNIXDatagramSocket, "createConnectedUnixDatagramSocket()");
        equal(socket.extra(SocketAttribute.family), "unix", "family");
        bytesEqual(fsencode(socket.extra(SocketAttribute.localAddress)), utf8(own.path), "localAddress");
        bytesEqual(fsencode(socket.extra(SocketAttribute.remoteAddress)), utf8(peer.path), "remoteAddress");
        throws(() => socket.extra(SocketAttribute.localPort), TypedAttributeLookupError);
        throws(() => socket.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
      },
    ),
    ...perPairing(
      "send-receive",
      "send(data) reaches the peer as [data, our path]; the peer's sendto comes back from receive() as bare bytes (AnyIO test_send_receive)",
      async (t, kind, peerKind, form) => {
        const own = await unixPath(t, kind);
        const peerAddress = await unixPath(t, peerKind);
        const peer = await unixDatagram(t, { localPath: inForm(peerAddress.path, form) });
        const socket = await connectedUnixDatagram(t, inForm(peerAddress.path, form), { localPath: inForm(own.path, form) });
        await socket.send(utf8("blah"));
        const [data, sender] = await peer.receive();
        bytesEqual(data, "blah", "what the peer received");
        bytesEqual(fsencode(sender), utf8(own.path), "sender");
        await peer.sendto(utf8("halb"), sender);
        bytesEqual(await socket.receive(), "halb", "reply");
      },
    ),
    ...perPathKind(
      "iterate",
      "for await over a connected socket yields bare datagrams from an echo server; break ends it (AnyIO test_iterate)",
      async (t, kind) => {
        const serverAddress = await unixPath(t, kind);
        const server = await unixDatagram(t, { localPath: serverAddress.path });
        const client = await connectedUnixDatagram(t, serverAddress.path, { localPath: (await unixPath(t, kind)).path });
        const serving = (async () => {
          for await (const [packet, sender] of server) await server.sendto(reversed(packet), sender);
        })();
        t.defer(() => serving.catch(() => {}));
        const echoed: string[] = [];
        await client.send(utf8("FOO"));
        // Bounded: the loop breaks at the second datagram.
        for await (const packet of client) {
          echoed.push(text(packet));
          if (echoed.length === 2) break;
          await client.send(utf8("BAR"));
        }
        deepEqual(echoed, ["OOF", "RAB"], "echoed datagrams");
        await server.aclose();
        await serving;
      },
    ),
    ...perPathKind(
      "cannot-connect",
      "nobody there: the runtime's ENOENT for a missing path, ECONNREFUSED for an unbound abstract name",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const error = await rejects(createConnectedUnixDatagramSocket(address.path), Error);
        equal(
          errorCode(error) ?? errorCode(error.cause),
          kind === "path" ? "ENOENT" : "ECONNREFUSED",
          `code of ${describe(error)}`,
        );
      },
    ),
    {
      name: "connected-sender-backpressure",
      description:
        "a connected sender faster than its receiver waits for the receiver's queue to drain: 200 datagrams, none lost, in order",
      async run(t) {
        const address = await unixPath(t);
        const receiver = await unixDatagram(t, { localPath: address.path });
        const sender = await connectedUnixDatagram(t, address.path);
        await allArriveInOrder(
          t,
          (data) => sender.send(data),
          async () => (await receiver.receive())[0],
        );
      },
    },
    ...datagramLifecycleCases(async (t) => {
      const peerAddress = await unixPath(t);
      const peer = await unixDatagram(t, { localPath: peerAddress.path });
      const own = await unixPath(t);
      const socket = await connectedUnixDatagram(t, peerAddress.path, { localPath: own.path });
      return {
        socket,
        deliver: (data) => peer.sendto(data, own.path),
        sendFromSocket: (data) => socket.send(data),
        payload: (received) => received as Uint8Array,
      };
    }),
  ],
};
