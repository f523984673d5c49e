import {
  ClosedResourceError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  connectTcp,
  createTcpListener,
  socketpair,
  wrapServerSocket,
  type CreateTcpListenerOptions,
  type ConnectTcpOptions,
} from "@portio/core";
import { deepEqual, equal, fail, instanceOf, rejects, throws } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import type { KernelTCPOptions } from "../harness.ts";
import { rawSocket } from "../support/raw-sockets.ts";
import { loopbackListener, perFamily, type IPFamily } from "../support/tcp.ts";

/** What the kernel holds for `stream`'s socket, read through the harness (never portio's own record). */
async function kernel(t: CaseContext, stream: SocketStream): Promise<KernelTCPOptions> {
  const reader = t.harness.tcpOptions ?? fail("the harness has no tcpOptions reader");
  return reader.read(stream);
}

/** Checks the kernel's `noDelay` and `keepAlive` (and the idle time, when given) of `stream`. */
async function expectOptions(
  t: CaseContext,
  stream: SocketStream,
  expected: { noDelay: boolean; keepAlive: boolean; keepAliveIdleSeconds?: number },
  what: string,
): Promise<void> {
  const seen = await kernel(t, stream);
  const compared = expected.keepAliveIdleSeconds === undefined ? { noDelay: seen.noDelay, keepAlive: seen.keepAlive } : seen;
  deepEqual(compared, expected, `${what}: the kernel's TCP options (getsockopt)`);
}

/** A client connected with `connect` options to a listener made with `listen` options, both closed after the case. */
async function pairWith(
  t: CaseContext,
  family: IPFamily,
  connect: ConnectTcpOptions & { tls?: false },
  listen: Omit<CreateTcpListenerOptions, "localHost"> = {},
): Promise<[SocketStream, SocketStream]> {
  const { listener, host, port } = await loopbackListener(t, family, listen);
  const [client, server] = await Promise.all([connectTcp(host, port, connect), listener.accept()]);
  return [t.use(client), t.use(server)];
}

/**
 * `noDelay` and `keepAlive` on connectTcp, createTcpListener (every accepted stream) and live
 * streams, checked against what the kernel reports for the socket (getsockopt TCP_NODELAY,
 * SO_KEEPALIVE, TCP_KEEPIDLE), plus the checks core makes before any socket exists.
 */
export const tcpOptionsSuite: SuiteDefinition = {
  suite: "tcp-options",
  cases: [
    ...perFamily(
      "defaults",
      "connectTcp() and accepted streams have TCP_NODELAY on (as AnyIO sets it) and keep-alive off by default",
      async (t, family) => {
        const [client, server] = await pairWith(t, family, {});
        await expectOptions(t, client, { noDelay: true, keepAlive: false }, "connectTcp() by default");
        await expectOptions(t, server, { noDelay: true, keepAlive: false }, "an accepted stream by default");
      },
    ).map((c) => ({ ...c, requires: [...(c.requires ?? []), "tcpOptions" as const] })),
    ...perFamily(
      "connect-options",
      "connectTcp({ noDelay: false, keepAlive: true }) sets exactly that on the client's socket; the accepted end keeps the defaults",
      async (t, family) => {
        const [client, server] = await pairWith(t, family, { noDelay: false, keepAlive: true });
        await expectOptions(t, client, { noDelay: false, keepAlive: true }, "connectTcp({ noDelay: false, keepAlive: true })");
        await expectOptions(t, server, { noDelay: true, keepAlive: false }, "the accepted end");
      },
    ).map((c) => ({ ...c, requires: [...(c.requires ?? []), "tcpOptions" as const] })),
    {
      name: "connect-options-bound",
      description:
        "connectTcp({ localHost, noDelay: false, keepAlive: true }) sets both too (a local address takes another path on some backends: libc on Deno and Bun)",
      requires: ["tcpOptions"],
      async run(t) {
        const [client] = await pairWith(t, "inet", { localHost: "127.0.0.1", noDelay: false, keepAlive: true });
        await expectOptions(
          t,
          client,
          { noDelay: false, keepAlive: true },
          "connectTcp({ localHost, noDelay: false, keepAlive: true })",
        );
        const [plain] = await pairWith(t, "inet", { localHost: "127.0.0.1" });
        await expectOptions(t, plain, { noDelay: true, keepAlive: false }, "connectTcp({ localHost }) by default");
      },
    },
    {
      name: "connect-keepalive-idle",
      description:
        "connectTcp({ keepAlive: { initialDelayMs } }) turns keep-alive on with TCP_KEEPIDLE in whole seconds (rounded down)",
      requires: ["tcpOptions"],
      async run(t) {
        const [client] = await pairWith(t, "inet", { keepAlive: { initialDelayMs: 42_900 } });
        await expectOptions(
          t,
          client,
          { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 42 },
          "keepAlive: { initialDelayMs: 42_900 }",
        );
      },
    },
    {
      name: "listener-options",
      description:
        "createTcpListener({ noDelay: false, keepAlive: true }) applies both to every accepted stream, not to the client",
      requires: ["tcpOptions"],
      async run(t) {
        const { listener, host, port } = await loopbackListener(t, "inet", { noDelay: false, keepAlive: true });
        for (let i = 0; i < 2; i++) {
          const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
          t.use(client);
          t.use(server);
          await expectOptions(t, server, { noDelay: false, keepAlive: true }, `accepted stream ${i + 1}`);
          await expectOptions(t, client, { noDelay: true, keepAlive: false }, `its client ${i + 1}`);
        }
      },
    },
    {
      name: "listener-keepalive-idle",
      description:
        "createTcpListener({ keepAlive: { initialDelayMs } }) gives every accepted stream keep-alive with that idle time",
      requires: ["tcpOptions"],
      async run(t) {
        const { listener, host, port } = await loopbackListener(t, "inet", { keepAlive: { initialDelayMs: 33_000 } });
        const [client, server] = await Promise.all([connectTcp(host, port), listener.accept()]);
        t.use(client);
        t.use(server);
        await expectOptions(t, server, { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 33 }, "the accepted stream");
      },
    },
    {
      name: "live-change",
      description: "setNoDelay() and setKeepAlive(boolean) change the live socket, each only its own option, on both ends",
      requires: ["tcpOptions"],
      async run(t) {
        const [client, server] = await pairWith(t, "inet", {});
        for (const [stream, what] of [
          [client, "client"],
          [server, "accepted stream"],
        ] as const) {
          stream.setKeepAlive(true);
          await expectOptions(t, stream, { noDelay: true, keepAlive: true }, `${what} after setKeepAlive(true)`);
          stream.setNoDelay(false);
          await expectOptions(t, stream, { noDelay: false, keepAlive: true }, `${what} after setNoDelay(false)`);
          stream.setKeepAlive(false);
          await expectOptions(t, stream, { noDelay: false, keepAlive: false }, `${what} after setKeepAlive(false)`);
          stream.setNoDelay(true);
          await expectOptions(t, stream, { noDelay: true, keepAlive: false }, `${what} after setNoDelay(true)`);
        }
        // The stream still works after all that.
        await client.send(new Uint8Array([7]));
        deepEqual([...(await server.receive())], [7], "a byte after the option changes");
      },
    },
    {
      name: "live-keepalive-idle",
      description:
        "setKeepAlive({ initialDelayMs }) on a live stream sets SO_KEEPALIVE and TCP_KEEPIDLE; setKeepAlive(true) then keeps that idle time",
      requires: ["tcpOptions"],
      async run(t) {
        const [client] = await pairWith(t, "inet", {});
        client.setKeepAlive({ initialDelayMs: 5_000 });
        await expectOptions(
          t,
          client,
          { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 5 },
          "after setKeepAlive({ initialDelayMs: 5000 })",
        );
        client.setKeepAlive(false);
        client.setKeepAlive(true);
        await expectOptions(
          t,
          client,
          { noDelay: true, keepAlive: true, keepAliveIdleSeconds: 5 },
          "after setKeepAlive(false) then (true)",
        );
      },
    },
    {
      name: "adopted-keep-their-keepalive",
      description:
        "an adopted TCP socket gets TCP_NODELAY as every portio TCP stream, keeps the keep-alive it came with, and can be changed like any other",
      requires: ["rawSockets", "tcpOptions"],
      async run(t) {
        const raw = await rawSocket(t, "inet", "stream", { connected: true, keepAlive: true });
        const stream = raw.adopted(raw.fd, await SocketStream.fromSocket(raw.fd));
        await expectOptions(
          t,
          stream,
          { noDelay: true, keepAlive: true },
          "SocketStream.fromSocket() of a socket with SO_KEEPALIVE",
        );
        stream.setNoDelay(false);
        await expectOptions(t, stream, { noDelay: false, keepAlive: true }, "the adopted stream after setNoDelay(false)");

        const listening = await rawSocket(t, "inet", "stream", { listening: true, keepAlive: true });
        const adopted = listening.adopted(listening.fd, await wrapServerSocket(listening.fd));
        instanceOf(adopted, SocketListener, "wrapServerSocket() of a listening TCP socket");
        const [host, port] = adopted.extra(SocketAttribute.localAddress) as [string, number];
        const [client, server] = await Promise.all([connectTcp(host, port), adopted.accept()]);
        t.use(client);
        t.use(server);
        await expectOptions(
          t,
          server,
          { noDelay: true, keepAlive: true },
          "a stream accepted by an adopted listener with SO_KEEPALIVE",
        );
      },
    },
    {
      name: "invalid-options",
      description:
        "bad noDelay / keepAlive values are a TypeError or RangeError before any socket exists; setNoDelay on a Unix stream is a TypeError, on a closed stream ClosedResourceError",
      async run(t) {
        const { host, port } = await loopbackListener(t, "inet");
        const bad: Array<[ConnectTcpOptions, ErrorConstructor, RegExp]> = [
          [{ noDelay: "yes" as never }, TypeError, /noDelay must be true or false/],
          [{ keepAlive: 1 as never }, TypeError, /keepAlive must be true, false or \{ initialDelayMs \}/],
          [{ keepAlive: {} as never }, RangeError, /initialDelayMs must be a number of milliseconds from 1000 to 32767000/],
          [{ keepAlive: { initialDelayMs: 999 } }, RangeError, /got number 999$/],
          [{ keepAlive: { initialDelayMs: 32_767_001 } }, RangeError, /got number 32767001$/],
          [{ keepAlive: { initialDelayMs: Number.NaN } }, RangeError, /got number NaN$/],
        ];
        for (const [options, Class, pattern] of bad) {
          await rejects(connectTcp(host, port, options), Class, pattern, `connectTcp(${JSON.stringify(options)})`);
          await rejects(
            createTcpListener({ localHost: host, ...options }),
            Class,
            pattern,
            `createTcpListener(${JSON.stringify(options)})`,
          );
        }

        const [client] = await pairWith(t, "inet", {});
        throws(() => client.setNoDelay(undefined as never), TypeError, /noDelay must be true or false/, "setNoDelay(undefined)");
        throws(
          () => client.setKeepAlive({ initialDelayMs: 0 }),
          RangeError,
          /initialDelayMs/,
          "setKeepAlive({ initialDelayMs: 0 })",
        );
        await client.aclose();
        throws(() => client.setNoDelay(true), ClosedResourceError, undefined, "setNoDelay() after aclose()");
        throws(() => client.setKeepAlive(true), ClosedResourceError, undefined, "setKeepAlive() after aclose()");

        const [left, right] = await socketpair();
        t.use(left);
        t.use(right);
        throws(() => left.setNoDelay(true), TypeError, /applies to TCP streams/, "setNoDelay() on a Unix stream");
        throws(() => left.setKeepAlive(true), TypeError, /applies to TCP streams/, "setKeepAlive() on a Unix stream");
        equal(left.family, "unix", "socketpair() family");
      },
    },
  ],
};
