import {
  ClosedResourceError,
  MultiListener,
  SocketAttribute,
  SocketListener,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  type IPSocketAddress,
  type SocketAddress,
  type SocketStream,
} from "@portio/core";
import { deepEqual, equal, instanceOf, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import { deferred, type Deferred } from "@portio/core/backend";
import { startServing } from "../support/serving.ts";
import { LOOPBACK } from "../support/tcp.ts";
import { unixPath } from "../support/unix.ts";

/** AnyIO's module-level test_multi_listener, plus the MultiListener rules portio documents. */
export const multiListenerSuite: SuiteDefinition = {
  suite: "multi-listener",
  cases: [
    {
      name: "serve-tcp-and-unix",
      description:
        "a MultiListener over a TCP and a Unix listener serves both; each handler sees its client's local address as the remote one (AnyIO test_multi_listener)",
      async run(t) {
        const tcp = t.use(await createTcpListener({ localHost: "localhost" }));
        const tcpCount = tcp.listeners.length;
        const address = await unixPath(t);
        const unix = t.use(await createUnixListener(address.path));
        const multi = t.use(new MultiListener<SocketStream>([tcp, unix]));
        equal(multi.listeners.length, tcpCount + 1, "listeners after flattening the nested MultiListener");

        const seen: SocketAddress[] = [];
        let handled: Deferred<void> = deferred();
        startServing(t, multi, (stream) => {
          seen.push(stream.extra(SocketAttribute.remoteAddress));
          handled.resolve();
        });
        const expected: SocketAddress[] = [];
        for (const listener of multi.listeners) {
          handled = deferred();
          const family = listener.extra(SocketAttribute.family);
          const local = listener.extra(SocketAttribute.localAddress);
          const client =
            family === "unix"
              ? await connectUnix(local as string)
              : await connectTcp(family === "inet6" ? LOOPBACK.inet6 : LOOPBACK.inet, (local as IPSocketAddress)[1]);
          t.use(client);
          expected.push(client.extra(SocketAttribute.localAddress));
          await handled.promise;
          await client.aclose();
        }
        deepEqual(seen, expected, "remote addresses seen by the handlers");
      },
    },
    {
      name: "aclose-closes-all",
      description: "aclose() closes every listener of the MultiListener",
      async run(t) {
        const tcp = t.use(await createTcpListener({ localHost: LOOPBACK.inet }));
        const unix = t.use(await createUnixListener((await unixPath(t)).path));
        const multi = new MultiListener<SocketStream>([tcp, unix]);
        const listeners = multi.listeners;
        await multi.aclose();
        for (const listener of listeners) {
          instanceOf(listener, SocketListener, "listener");
          await rejects(listener.accept(), ClosedResourceError);
        }
      },
    },
    {
      name: "extra-attributes",
      description: "a MultiListener exposes its listeners' attributes: the TCP port they share",
      async run(t) {
        const multi = t.use(await createTcpListener({ localHost: LOOPBACK.inet }));
        const wrapped = t.use(new MultiListener<SocketStream>([multi]));
        const port = wrapped.listeners[0]!.extra(SocketAttribute.localPort);
        equal(wrapped.extra(SocketAttribute.localPort), port, "localPort");
        equal(wrapped.extra(SocketAttribute.family), "inet", "family");
      },
    },
  ],
};
