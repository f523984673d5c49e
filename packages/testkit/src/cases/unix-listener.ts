import { ClosedResourceError, SocketAttribute, TypedAttributeLookupError, connectUnix, createUnixListener } from "@portio/core";
import { bytesEqual, deepEqual, equal, rejects, throws } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import { utf8 } from "../support/bytes.ts";
import { exchange, receiveAll } from "../support/io.ts";
import { startServing } from "../support/serving.ts";
import { unlessUnsupported } from "../support/unsupported.ts";
import { nonUtf8Path, perPathKind, unixPath } from "../support/unix.ts";

/** AnyIO's TestUNIXListener (without socket options and fromSocket). */
export const unixListenerSuite: SuiteDefinition = {
  suite: "unix-listener",
  cases: [
    ...perPathKind(
      "extra-attributes",
      "family and local address (the path, or bytes for an abstract name); no ports, no remote address (AnyIO test_extra_attributes)",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        const listener = t.use(await createUnixListener(address.path));
        equal(listener.extra(SocketAttribute.family), "unix", "family");
        deepEqual(listener.extra(SocketAttribute.localAddress), address.reported, "localAddress");
        throws(() => listener.extra(SocketAttribute.localPort), TypedAttributeLookupError);
        throws(() => listener.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
        throws(() => listener.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
      },
    ),
    ...(["string", "bytes"] as const).map(
      (form): CaseDefinition => ({
        name: `accept[${form}]`,
        description: `a listener created with the path as a ${form} accepts a client; the stream echoes (AnyIO test_accept)`,
        async run(t) {
          const address = await unixPath(t);
          const listener = t.use(await createUnixListener(form === "string" ? address.path : utf8(address.path)));
          const [client, server] = await Promise.all([connectUnix(address.path), listener.accept()]);
          t.use(client);
          t.use(server);
          equal(server.extra(SocketAttribute.family), "unix", "accepted stream's family");
          await exchange(client, server);
        },
      }),
    ),
    {
      name: "accept-after-close",
      description: "accept() after aclose() is a ClosedResourceError",
      async run(t) {
        const address = await unixPath(t);
        const listener = await createUnixListener(address.path);
        await listener.aclose();
        await rejects(listener.accept(), ClosedResourceError);
      },
    },
    {
      name: "send-after-eof",
      description: "after the client's sendEof() the handler can still send, and the client gets it (AnyIO test_send_after_eof)",
      async run(t) {
        const address = await unixPath(t);
        const listener = t.use(await createUnixListener(address.path));
        startServing(t, listener, async (stream) => {
          await stream.send(utf8("Hello\n"));
        });
        const client = t.use(await connectUnix(address.path));
        await client.sendEof();
        bytesEqual(await receiveAll(client, 64), "Hello\n", "what the client received");
      },
    },
    ...perPathKind(
      "bind-twice",
      "a second listener on the same name after the first was closed works: a socket file left behind is replaced (AnyIO test_bind_twice)",
      async (t, kind) => {
        const address = await unixPath(t, kind);
        for (let round = 0; round < 2; round++) {
          const listener = t.use(await createUnixListener(address.path));
          const [client, server] = await Promise.all([connectUnix(address.path), listener.accept()]);
          t.use(client);
          t.use(server);
          await exchange(client, server);
          await client.aclose();
          await server.aclose();
          await listener.aclose();
        }
      },
    ),
    {
      name: "listening-bytes-path",
      description:
        "createUnixListener() takes the path as UTF-8 bytes; the address is reported as the string (AnyIO test_listening_bytes_path)",
      async run(t) {
        const address = await unixPath(t);
        const listener = t.use(await createUnixListener(utf8(address.path)));
        deepEqual(listener.extra(SocketAttribute.localAddress), address.path, "localAddress");
        const [client, server] = await Promise.all([connectUnix(address.path), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "listening-invalid-utf8",
      description:
        "listening on a path that is not valid UTF-8 works (its address reported as those bytes), or the backend refuses with an explaining UnsupportedError (AnyIO test_listening_invalid_ascii)",
      async run(t) {
        const path = await nonUtf8Path(t);
        const listener = await unlessUnsupported(() => createUnixListener(path));
        if (listener === undefined) return;
        t.use(listener);
        deepEqual(listener.extra(SocketAttribute.localAddress), path, "localAddress (bytes, since not UTF-8)");
      },
    },
  ],
};
