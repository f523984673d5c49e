import { ConnectionFailed, SocketAttribute, TypedAttributeLookupError, connectUnix, createUnixListener } from "@portio/core";
import { deepEqual, describe, equal, ok, rejects, throws } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { utf8 } from "../support/bytes.ts";
import { errorCode } from "../support/error-code.ts";
import { unlessUnsupported } from "../support/unsupported.ts";
import { exchange } from "../support/io.ts";
import { nonUtf8Path, perPathKind, unixPair, unixPath } from "../support/unix.ts";
import { byteStreamCases } from "./byte-stream.ts";

/** AnyIO's TestUNIXStream (without fd passing itself and fromSocket), plus portio's byte-stream contract. */
export const unixStreamSuite: SuiteDefinition = {
  suite: "unix-stream",
  cases: [
    ...perPathKind(
      "extra-attributes",
      "family, and the socket's name as each end reports it; no ports (AnyIO test_extra_attributes)",
      async (t, kind) => {
        const [client, server, address] = await unixPair(t, kind);
        for (const [side, stream] of [
          ["client", client],
          ["server", server],
        ] as const) {
          equal(stream.extra(SocketAttribute.family), "unix", `${side} family`);
          throws(() => stream.extra(SocketAttribute.localPort), TypedAttributeLookupError);
          throws(() => stream.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
        }
        deepEqual(client.extra(SocketAttribute.remoteAddress), address.reported, "client remoteAddress");
        deepEqual(client.extra(SocketAttribute.localAddress), "", "client localAddress (an unnamed socket)");
        deepEqual(server.extra(SocketAttribute.localAddress), address.reported, "server localAddress");
        deepEqual(server.extra(SocketAttribute.remoteAddress), "", "server remoteAddress (an unnamed client)");
      },
    ),
    ...byteStreamCases((t) => unixPair(t, "path").then(([client, server]) => [client, server])),
    {
      name: "send-receive[abstract]",
      description: "the echo exchange over an abstract socket name (AnyIO test_send_receive, abstract)",
      requires: ["abstractUnix"],
      async run(t) {
        const [client, server] = await unixPair(t, "abstract");
        await exchange(client, server);
      },
    },
    ...perPathKind(
      "connecting-using-bytes",
      "connectUnix() takes the path as UTF-8 bytes too (AnyIO test_connecting_using_bytes)",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const listener = t.use(await createUnixListener(address.path));
        const [client, server] = await Promise.all([connectUnix(utf8(address.path)), listener.accept()]);
        t.use(client);
        t.use(server);
        deepEqual(client.extra(SocketAttribute.remoteAddress), address.reported, "client remoteAddress");
        await exchange(client, server);
      },
    ),
    {
      name: "connecting-with-non-utf8",
      description:
        "a path that is not valid UTF-8 works end to end as bytes, or the backend refuses it with an explaining UnsupportedError (AnyIO test_connecting_with_non_utf8)",
      async run(t) {
        const path = await nonUtf8Path(t);
        const listener = await unlessUnsupported(() => createUnixListener(path));
        if (listener === undefined) return;
        t.use(listener);
        const client = await unlessUnsupported(() => connectUnix(path));
        if (client === undefined) return;
        t.use(client);
        const server = t.use(await listener.accept());
        deepEqual(client.extra(SocketAttribute.remoteAddress), path, "client remoteAddress (bytes, since not UTF-8)");
        await exchange(client, server);
      },
    },
    ...perPathKind(
      "cannot-connect",
      "nobody there: ConnectionFailed with code and cause ENOENT for a missing path, ECONNREFUSED for an abstract name (AnyIO test_cannot_connect)",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const error = await rejects(connectUnix(address.path), ConnectionFailed);
        const expected = kind === "path" ? "ENOENT" : "ECONNREFUSED";
        equal(errorCode(error.cause), expected, `code of the cause ${describe(error.cause)}`);
        equal(error.code, expected, "the OS error code on the ConnectionFailed itself");
      },
    ),
    {
      name: "receive-fds-bad-args",
      description: 'receiveFds() rejects a bad msglen or maxfds with "… must be a … integer" (AnyIO test_receive_fds_bad_args)',
      async run(t) {
        const [client] = await unixPair(t);
        for (const msglen of [-1, 1.5]) {
          await rejects(() => client.receiveFds(msglen, 1), RangeError, "msglen must be a non-negative integer");
        }
        await rejectsBadType(() => client.receiveFds("foo" as unknown as number, 1), "msglen must be a non-negative integer");
        await rejects(() => client.receiveFds(0, 0), RangeError, "maxfds must be a positive integer");
        await rejectsBadType(() => client.receiveFds(0, "foo" as unknown as number), "maxfds must be a positive integer");
      },
    },
    {
      name: "send-fds-bad-args",
      description:
        'sendFds() rejects an empty message or fd list: "message must not be empty", "fds must not be empty" (AnyIO test_send_fds_bad_args)',
      async run(t) {
        const [client] = await unixPair(t);
        await rejects(() => client.sendFds(new Uint8Array(0), [0]), RangeError, "message must not be empty");
        await rejects(() => client.sendFds(utf8("test"), []), RangeError, "fds must not be empty");
      },
    },
  ],
};

/** A wrongly typed argument may be refused as a RangeError or a TypeError, but with the documented message. */
async function rejectsBadType(action: () => Promise<unknown>, message: string): Promise<void> {
  const error = await rejects(action, Error, message);
  ok(error instanceof RangeError || error instanceof TypeError, `expected a RangeError or TypeError, got ${describe(error)}`);
}
