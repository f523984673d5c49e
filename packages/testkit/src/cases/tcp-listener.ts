import {
  BusyResourceError,
  ClosedResourceError,
  MultiListener,
  SocketAttribute,
  SocketListener,
  TypedAttributeLookupError,
  UnsupportedError,
  connectTcp,
  createTcpListener,
  type CreateTcpListenerOptions,
  type IPSocketAddress,
} from "@portio/core";
import { bytesEqual, deepEqual, describe, equal, fail, instanceOf, rejects, throws } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { utf8 } from "../support/bytes.ts";
import { deferred } from "@portio/core/backend";
import { exchange, receiveAll, receiveExactly } from "../support/io.ts";
import { startServing } from "../support/serving.ts";
import { LOOPBACK, fakeLocalhost, connectableHost, freeTcpPort, loopbackListener, perFamily } from "../support/tcp.ts";

/** Connects to one listener, accepts, and runs AnyIO's "blah" → "halb" exchange over the pair. */
async function exchangeThrough(t: CaseContext, listener: SocketListener): Promise<void> {
  const [host, port] = listener.extra(SocketAttribute.localAddress) as IPSocketAddress;
  const [client, server] = await Promise.all([connectTcp(connectableHost(host), port), listener.accept()]);
  t.use(client);
  t.use(server);
  await exchange(client, server);
  await client.aclose();
  await server.aclose();
}

/** Creates a listener like `createTcpListener(options)`, failing clearly if the backend reports the option unsupported. */
async function createOrExplain(options: CreateTcpListenerOptions) {
  try {
    return await createTcpListener(options);
  } catch (error) {
    if (error instanceof UnsupportedError) {
      fail(
        `the backend reports ${describe(error)}; if this is a known gap of the runtime, list the case in harness.skip with that reason`,
      );
    }
    throw error;
  }
}

interface SamePortCase {
  id: string;
  localHost: string | undefined;
  requires?: "ipv6";
  /** Listener count this machine should produce. */
  expected(t: CaseContext): number;
}

const SAME_PORT_HOSTS: readonly SamePortCase[] = [
  // Every address: `::` and `0.0.0.0`, or only the latter without IPv6 (core drops `::` then).
  { id: "any", localHost: undefined, expected: (t) => (t.environment.missing.ipv6 === undefined ? 2 : 1) },
  { id: "localhost", localHost: "localhost", expected: (t) => t.environment.localhostFamilies.length },
  { id: "127.0.0.1", localHost: LOOPBACK.inet, expected: () => 1 },
  { id: "::1", localHost: LOOPBACK.inet6, requires: "ipv6", expected: () => 1 },
];

function samePortCases(): CaseDefinition[] {
  return SAME_PORT_HOSTS.flatMap((spec) =>
    (["0", "free"] as const).map(
      (portKind): CaseDefinition => ({
        name: `same-port[${spec.id},${portKind === "0" ? "port-0" : "free-port"}]`,
        description:
          "every listener of one createTcpListener() shares one port (the requested one if given), and each accepts (AnyIO test_tcp_listener_same_port)",
        ...(spec.requires ? { requires: [spec.requires] } : {}),
        async run(t) {
          const base: CreateTcpListenerOptions = spec.localHost === undefined ? {} : { localHost: spec.localHost };
          const requested = portKind === "0" ? 0 : await freeTcpPort(base);
          const multi = t.use(await createTcpListener({ ...base, localPort: requested }));
          equal(multi.listeners.length, spec.expected(t), "listener count");
          const ports = new Set(multi.listeners.map((listener) => listener.extra(SocketAttribute.localPort)));
          equal(ports.size, 1, `distinct ports among the listeners ${describe([...ports])}`);
          const [port] = ports;
          if (requested !== 0) equal(port, requested, "the shared port");
          equal(multi.extra(SocketAttribute.localPort), port, "the MultiListener's localPort");
          for (const listener of multi.listeners) {
            instanceOf(listener, SocketListener, "listener");
            await exchangeThrough(t, listener);
          }
        },
      }),
    ),
  );
}

/** AnyIO's TestTCPListener (without fromSocket and socket options), plus portio's accept and close rules. */
export const tcpListenerSuite: SuiteDefinition = {
  suite: "tcp-listener",
  cases: [
    {
      name: "for-await",
      description:
        "for await over a MultiListener (IPv4 and IPv6 parts) accepts one connection per iteration from whichever part has one; closing the listener ends the loop",
      requires: ["ipv6"],
      async run(t) {
        const v4 = await createTcpListener({ localHost: "127.0.0.1" });
        const port = v4.extra(SocketAttribute.localPort);
        const v6 = await createTcpListener({ localHost: "::1", localPort: port });
        const listener = t.use(new MultiListener([v4, v6]));
        const hosts = ["127.0.0.1", "::1", "127.0.0.1", "::1"];
        const clients = await Promise.all(hosts.map(async (host) => t.use(await connectTcp(host, port))));
        const served: string[] = [];
        const loop = (async () => {
          for await (const stream of listener) {
            t.use(stream);
            served.push(String(stream.extra(SocketAttribute.family)));
            await stream.send(utf8("hi"));
            if (served.length === clients.length) await listener.aclose();
          }
        })();
        for (const client of clients) bytesEqual(await receiveExactly(client, 2), "hi", "each client is served");
        await loop;
        deepEqual(served.sort(), ["inet", "inet", "inet6", "inet6"], "families served");
      },
    },
    {
      name: "for-await-socket-listener",
      description:
        "for await over one SocketListener accepts connections in turn and ends quietly when the listener is closed from another task",
      async run(t) {
        const { listener, host, port } = await loopbackListener(t, "inet");
        const accepted: unknown[] = [];
        const loop = (async () => {
          for await (const stream of listener) accepted.push(t.use(stream));
        })();
        t.use(await connectTcp(host, port));
        t.use(await connectTcp(host, port));
        while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 0));
        await listener.aclose();
        await loop;
        equal(accepted.length, 2, "connections accepted");
      },
    },
    ...perFamily(
      "extra-attributes",
      "family, local address and port of the MultiListener and its listener; no remote attributes (AnyIO test_extra_attributes)",
      async (t, family) => {
        const host = LOOPBACK[family];
        const multi = t.use(await createTcpListener({ localHost: host, family }));
        equal(multi.listeners.length, 1, "listener count");
        equal(multi.extra(SocketAttribute.family), family, "MultiListener family");
        const port = multi.extra(SocketAttribute.localPort);
        for (const listener of multi.listeners) {
          equal(listener.extra(SocketAttribute.family), family, "listener family");
          deepEqual(listener.extra(SocketAttribute.localAddress), [host, port], "listener localAddress");
          equal(listener.extra(SocketAttribute.localPort), port, "listener localPort");
          throws(() => listener.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
          throws(() => listener.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
          equal(listener.extra(SocketAttribute.remotePort, "none"), "none", "remotePort with a default");
        }
      },
    ),
    ...perFamily(
      "accept",
      "a client reaches the listener and the accepted stream echoes (AnyIO test_accept)",
      async (t, family) => {
        const { listener } = await loopbackListener(t, family);
        await exchangeThrough(t, listener);
      },
    ),
    {
      name: "accept[both]",
      description:
        "a name with an IPv6 and an IPv4 address gets a listener on each, one port, and both accept (AnyIO test_accept[both])",
      requires: ["ipv6"],
      async run(t) {
        fakeLocalhost(t, ["inet6", "inet"]);
        const multi = t.use(await createTcpListener({ localHost: "localhost" }));
        deepEqual(
          multi.listeners.map((listener) => listener.extra(SocketAttribute.family)).sort(),
          ["inet", "inet6"],
          "listener families",
        );
        for (const listener of multi.listeners) {
          instanceOf(listener, SocketListener, "listener");
          await exchangeThrough(t, listener);
        }
      },
    },
    {
      name: "accept-after-close",
      description: "accept() after aclose() is a ClosedResourceError (AnyIO test_accept_after_close)",
      async run(t) {
        const { multi, listener } = await loopbackListener(t);
        await multi.aclose();
        await rejects(listener.accept(), ClosedResourceError);
      },
    },
    {
      name: "close-during-accept",
      description: "aclose() wakes a pending accept() with ClosedResourceError",
      async run(t) {
        const { listener } = await loopbackListener(t);
        const pending = rejects(listener.accept(), ClosedResourceError);
        await listener.aclose();
        await pending;
      },
    },
    {
      name: "concurrent-accept",
      description: "a second accept() while one is pending is a BusyResourceError",
      async run(t) {
        const { listener, host, port } = await loopbackListener(t);
        const first = listener.accept();
        first.catch(() => {});
        await rejects(listener.accept(), BusyResourceError, "already accepting connections from");
        const client = t.use(await connectTcp(host, port));
        const server = t.use(await first);
        equal(
          server.extra(SocketAttribute.remotePort),
          client.extra(SocketAttribute.localPort),
          "the first accept got the client",
        );
      },
    },
    {
      name: "accept-aborted-keeps-connection",
      description:
        "an accept() aborted while waiting rejects with the signal's reason; the next connection goes to the next accept()",
      async run(t) {
        const { listener, host, port } = await loopbackListener(t);
        const controller = new AbortController();
        const reason = new Error("stop accepting");
        const pending = rejects(listener.accept({ signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the aborted accept's error");
        const client = t.use(await connectTcp(host, port));
        const server = t.use(await listener.accept());
        equal(server.extra(SocketAttribute.remotePort), client.extra(SocketAttribute.localPort), "accepted connection");
      },
    },
    {
      name: "accept-signal-reused",
      description:
        "accepts that share one signal (as serve()'s do) each get their connection; aborting it rejects only the accept pending then; after a stopped serve() the listener accepts again",
      async run(t) {
        const { listener, host, port } = await loopbackListener(t);
        const controller = new AbortController();
        for (let i = 0; i < 3; i++) {
          const client = t.use(await connectTcp(host, port));
          const server = t.use(await listener.accept({ signal: controller.signal }));
          equal(server.extra(SocketAttribute.remotePort), client.extra(SocketAttribute.localPort), `accept ${i + 1}`);
        }
        const reason = new Error("stop accepting");
        const pending = rejects(listener.accept({ signal: controller.signal }), Error);
        controller.abort(reason);
        equal(await pending, reason, "the pending accept's error");
        await rejects(listener.accept({ signal: controller.signal }), Error, "stop accepting");

        const served = deferred<number>();
        const serving = startServing(t, listener, (stream) => served.resolve(stream.extra(SocketAttribute.remotePort)));
        const first = t.use(await connectTcp(host, port));
        equal(await served.promise, first.extra(SocketAttribute.localPort), "the connection serve() handled");
        await serving.stop();
        const next = t.use(await connectTcp(host, port));
        const accepted = t.use(await listener.accept());
        equal(accepted.extra(SocketAttribute.remotePort), next.extra(SocketAttribute.localPort), "accepted after serve()");
      },
    },
    {
      name: "reuse-port",
      description: "reusePort lets a second listener bind the same address and port (AnyIO test_reuse_port)",
      async run(t) {
        const first = t.use(await createOrExplain({ localHost: LOOPBACK.inet, reusePort: true }));
        const port = first.extra(SocketAttribute.localPort);
        const second = t.use(await createOrExplain({ localHost: LOOPBACK.inet, localPort: port, reusePort: true }));
        equal(second.listeners.length, 1, "listener count");
        deepEqual(
          second.listeners[0]!.extra(SocketAttribute.localAddress),
          first.listeners[0]!.extra(SocketAttribute.localAddress),
          "addresses",
        );
      },
    },
    {
      name: "close-from-other-task",
      description:
        "closing the listener while serve() runs ends serve() with ClosedResourceError (AnyIO test_close_from_other_task)",
      async run(t) {
        const { multi } = await loopbackListener(t);
        const serving = startServing(t, multi, () => {});
        await multi.aclose();
        await rejects(serving.finished, ClosedResourceError);
      },
    },
    {
      name: "send-after-eof",
      description: "after the client's sendEof() the handler can still send, and the client gets it (AnyIO test_send_after_eof)",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        startServing(t, multi, async (stream) => {
          await stream.send(utf8("Hello\n"));
        });
        const client = t.use(await connectTcp(host, port));
        await client.sendEof();
        bytesEqual(await receiveAll(client, 64), "Hello\n", "what the client received");
      },
    },
    {
      name: "eof-after-send",
      description:
        "data then sendEof() from the client: the handler receives the data, then EndOfStream (AnyIO test_eof_after_send, #701)",
      async run(t) {
        const { multi, host, port } = await loopbackListener(t);
        const received = deferred<Uint8Array>();
        startServing(t, multi, async (stream) => {
          received.resolve(await receiveAll(stream, 5));
        });
        const client = t.use(await connectTcp(host, port));
        await client.send(utf8("Hello"));
        await client.sendEof();
        bytesEqual(await received.promise, "Hello", "what the handler received");
      },
    },
    ...samePortCases(),
    {
      name: "rebind-after-close",
      description: "aclose() releases the port: a new listener binds it at once, even after a connection the server closed first",
      async run(t) {
        const { multi, listener, host, port } = await loopbackListener(t);
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        await server.aclose(); // the server side closes first, so its end lingers in TIME_WAIT
        await client.aclose();
        await multi.aclose();
        const again = t.use(await createTcpListener({ localHost: host, localPort: port }));
        equal(again.extra(SocketAttribute.localPort), port, "port of the new listener");
      },
    },
    {
      name: "await-using",
      description: "`await using` closes the listener at the end of the block; its port can be bound again",
      async run() {
        let port: number;
        {
          await using multi = await createTcpListener({ localHost: LOOPBACK.inet });
          port = multi.extra(SocketAttribute.localPort);
        }
        const again = await createTcpListener({ localHost: LOOPBACK.inet, localPort: port });
        await again.aclose();
      },
    },
    {
      name: "aclose-idempotent",
      description: "a listener's aclose() may be called again, also concurrently",
      async run(t) {
        const { multi, listener } = await loopbackListener(t);
        await Promise.all([multi.aclose(), multi.aclose(), listener.aclose()]);
        await multi.aclose();
        await rejects(listener.accept(), ClosedResourceError);
      },
    },
  ],
};
