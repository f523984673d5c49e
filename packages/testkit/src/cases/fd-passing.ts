import {
  BrokenResourceError,
  ClosedResourceError,
  ConnectedUNIXDatagramSocket,
  EndOfStream,
  FdsTruncated,
  InvalidSocketError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UDPSocket,
  UNIXSocketListener,
  UNIXSocketStream,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  receiveSocket,
  sendSocket,
  socketpair,
  wrapClientSocket,
  wrapServerSocket,
  type UNIXSocketStream as Stream,
} from "@portio/core";
import { receiveExactly } from "../support/io.ts";
import { unlessUnsupported } from "../support/unsupported.ts";
import { bytesEqual, deepEqual, equal, instanceOf, ok, rejects } from "../assert.ts";
import type { CaseDefinition, SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { concat, utf8 } from "../support/bytes.ts";
import { exchange } from "../support/io.ts";
import { factory, nonSocketFd, peerOf, rawSocket } from "../support/raw-sockets.ts";
import { unixPair } from "../support/unix.ts";

/** Where a Unix stream came from: every kind of Unix stream portio makes must pass fds. */
type Origin = "connect" | "accepted" | "socketpair" | "adopted";
const ORIGINS: readonly Origin[] = ["connect", "accepted", "socketpair", "adopted"];

/** `[sender, receiver]`, the sender being a stream of `origin`. */
async function streams(t: CaseContext, origin: Origin): Promise<[Stream, Stream]> {
  switch (origin) {
    case "connect": {
      const [client, server] = await unixPair(t);
      return [client, server];
    }
    case "accepted": {
      const [client, server] = await unixPair(t);
      return [server, client];
    }
    case "socketpair": {
      const [a, b] = await socketpair("stream");
      return [t.use(a), t.use(b)];
    }
    case "adopted": {
      const raw = await rawSocket(t, "unix", "stream", { connected: true });
      const peer = peerOf(raw);
      const a = raw.adopted(raw.fd, await UNIXSocketStream.fromSocket(raw.fd));
      const b = raw.adopted(peer, await UNIXSocketStream.fromSocket(peer));
      return [a, b];
    }
  }
}

function perOrigin(name: string, description: string, run: (t: CaseContext, origin: Origin) => Promise<void>): CaseDefinition[] {
  return ORIGINS.map((origin) => ({
    name: `${name}[${origin}]`,
    description,
    // Every case checks OS file descriptors (received fd numbers, their flags, the sockets behind them).
    requires: ["rawSockets"] as const,
    run: (t: CaseContext) => run(t, origin),
  }));
}

/** A connected Unix datagram pair to hand over: proof that a received fd is the same socket. */
async function datagramPair(t: CaseContext): Promise<[ConnectedUNIXDatagramSocket, ConnectedUNIXDatagramSocket]> {
  const [a, b] = await socketpair("dgram");
  return [t.use(a), t.use(b)];
}

/** Adopts a received fd (the case then owns it through the wrapper) and checks it reaches `peer`. */
async function checkReceivedDatagramEnd(t: CaseContext, fd: number, peer: ConnectedUNIXDatagramSocket): Promise<void> {
  const adopted = t.use(await wrapClientSocket(fd));
  instanceOf(adopted, ConnectedUNIXDatagramSocket, "the received fd adopts as the socket that was sent");
  await adopted.send(utf8("through the passed fd"));
  bytesEqual(await peer.receive(), "through the passed fd", "what the sent socket's peer receives");
}

/** Receives until end of stream (bounded), for the interleaving cases. */
async function drain(stream: Stream, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    try {
      const chunk = await stream.receive();
      chunks.push(chunk);
      size += chunk.length;
    } catch (error) {
      if (error instanceof EndOfStream) break;
      throw error;
    }
  }
  return concat(chunks);
}

/** `sendFds` / `receiveFds` (AnyIO's send_fds / receive_fds) over every kind of Unix stream. */
export const fdPassingSuite: SuiteDefinition = {
  suite: "fd-passing",
  cases: [
    ...perOrigin(
      "send-receive-fds",
      "a socket sent with sendFds arrives as a new fd that adopts as the same socket; the sender's fd stays open and usable (AnyIO test_send_receive_fds)",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const [mine, theirs] = await datagramPair(t);
        // A portio socket and a plain fd number in one message.
        await sender.sendFds(utf8("fds!"), [mine, mine.extra(SocketAttribute.fd)]);
        const [message, fds] = await receiver.receiveFds(10, 2);
        bytesEqual(message, "fds!", "the message");
        equal(fds.length, 2, "number of fds received");
        ok(!fds.includes(mine.extra(SocketAttribute.fd)), "the received fds are new ones");
        for (const fd of fds) await checkReceivedDatagramEnd(t, fd, theirs);
        await mine.send(utf8("still mine"));
        bytesEqual(await theirs.receive(), "still mine", "the sender's socket still works");
        // And the other way round on the same pair.
        await receiver.sendFds(utf8("back"), [mine]);
        const [back, [returned]] = await sender.receiveFds(4, 1);
        bytesEqual(back, "back", "the message sent back");
        await checkReceivedDatagramEnd(t, returned!, theirs);
      },
    ),
    ...perOrigin(
      "bytes-around-fds",
      "bytes sent before and after a message with fds are all received, in order, with receive() and receiveFds() mixed; receiveFds never reads past the message that carries fds",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const [mine] = await datagramPair(t);
        for (let round = 0; round < 2; round++) {
          await sender.send(utf8("before"));
          await sender.sendFds(utf8("M"), [mine]);
          await sender.send(utf8("after"));
          let received: Uint8Array;
          let fds: number[];
          if (round === 0) {
            // Read exactly up to the message: the fds are still there for receiveFds.
            bytesEqual(await receiver.receive(6), "before", "the bytes before");
            [received, fds] = await receiver.receiveFds(1, 1);
            bytesEqual(received, "M", "the message alone");
          } else {
            // One receiveFds may take the bytes before the message along (as the kernel does),
            // but it ends with the message: the bytes after wait for the next receive.
            [received, fds] = await receiver.receiveFds(64, 1);
            bytesEqual(received, "beforeM", "receiveFds: the bytes before and the message, not those after");
          }
          equal(fds.length, 1, "fds with the message");
          for (const fd of fds) t.use(await wrapClientSocket(fd));
          bytesEqual(await receiver.receive(5), "after", "the bytes after");
        }
        await sender.aclose();
        equal((await drain(receiver, 16)).length, 0, "nothing else arrived");
      },
    ),
    ...perOrigin(
      "receive-fds-without-fds",
      "receiveFds on bytes that carry no fds gives them with an empty fd list (AnyIO)",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        await sender.send(utf8("plain"));
        const [message, fds] = await receiver.receiveFds(5, 4);
        bytesEqual(message, "plain", "the bytes");
        deepEqual(fds, [], "no fds");
      },
    ),
    ...perOrigin(
      "too-many-fds",
      "more fds than maxfds: FdsTruncated carries the bytes, the fds that arrived are closed (no leak), and the stream goes on",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const [mine, theirs] = await datagramPair(t);
        await sender.sendFds(utf8("three"), [mine, mine, mine]);
        const error = await rejects(receiver.receiveFds(5, 1), FdsTruncated);
        bytesEqual(error.data, "three", "the bytes on the error");
        equal(error.maxfds, 1, "maxfds on the error");
        await mine.send(utf8("ok"));
        bytesEqual(await theirs.receive(), "ok", "the sent socket is untouched");
        await exchange(sender, receiver);
      },
    ),
    ...perOrigin(
      "bad-fds",
      "negative, fractional, NaN, non-number and closed fds are refused with TypeError before anything is sent; the stream stays usable",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "3", null, undefined, {}]) {
          await rejects(() => sender.sendFds(utf8("x"), [bad as number]), TypeError, undefined, `fd ${String(bad)}`);
        }
        // Far above any open fd: EBADF, found before the send.
        const closed = await rejects(() => sender.sendFds(utf8("x"), [1 << 29]), TypeError, "not an open file descriptor");
        equal((closed as { code?: unknown }).code, "EBADF", "code of the closed-fd error");
        await exchange(sender, receiver);
      },
    ),
    {
      name: "fd-arguments-out-of-range",
      description: "maxfds above the kernel's 253 and a msglen above 1 MiB are RangeErrors; the stream stays usable",
      async run(t) {
        const [sender, receiver] = await streams(t, "socketpair");
        await rejects(() => receiver.receiveFds(1, 254), RangeError, "maxfds");
        await rejects(() => receiver.receiveFds(2 ** 21, 1), RangeError, "msglen");
        await rejects(() => receiver.receiveFds(Number.NaN, 1), RangeError, "msglen");
        await rejects(() => receiver.receiveFds(1, Number.NaN), RangeError, "maxfds");
        await exchange(sender, receiver);
      },
    },
    ...perOrigin(
      "peer-closes",
      "a message with fds sent just before the peer closes still arrives, then EndOfStream; sendFds to a closed peer is a BrokenResourceError and the caller's fds stay open",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const [mine, theirs] = await datagramPair(t);
        await sender.sendFds(utf8("last words"), [mine]);
        await sender.aclose();
        const [message, fds] = await receiver.receiveFds(64, 1);
        bytesEqual(message, "last words", "the message sent before closing");
        equal(fds.length, 1, "its fd");
        t.use(await wrapClientSocket(fds[0]!));
        await rejects(receiver.receiveFds(64, 1), EndOfStream);
        // Now the other direction: the peer is gone.
        const error = await rejects(() => receiver.sendFds(utf8("x"), [mine]), BrokenResourceError);
        ok(error.cause !== undefined, "the OS error is kept as cause");
        await mine.send(utf8("alive"));
        bytesEqual(await theirs.receive(), "alive", "the caller's socket is still open");
      },
    ),
    ...perOrigin(
      "cancel-keeps-message",
      "a receiveFds cancelled while waiting consumes nothing: the next one gets the message and its fds",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const [mine] = await datagramPair(t);
        const controller = new AbortController();
        const waiting = receiver.receiveFds(16, 1, { signal: controller.signal });
        controller.abort(new Error("cancelled"));
        const error = await rejects(waiting, Error, "cancelled");
        equal(error, controller.signal.reason, "rejects with the signal's reason");
        await sender.sendFds(utf8("msg"), [mine]);
        const [message, fds] = await receiver.receiveFds(16, 1);
        bytesEqual(message, "msg", "the message");
        equal(fds.length, 1, "its fd");
        t.use(await wrapClientSocket(fds[0]!));
      },
    ),
    ...perOrigin(
      "received-fds-close-on-exec",
      "received fds are close-on-exec (MSG_CMSG_CLOEXEC), whatever they are: here the read end of a pipe, which is no socket",
      async (t, origin) => {
        const [sender, receiver] = await streams(t, origin);
        const pipe = await nonSocketFd(t);
        await sender.sendFds(utf8("p"), [pipe]);
        const [, [fd]] = await receiver.receiveFds(1, 1);
        ok(fd !== undefined && fd !== pipe, "a new fd arrived");
        t.defer(() => factory(t).close(fd!));
        equal(await factory(t).isCloseOnExec(fd!), true, "FD_CLOEXEC of the received fd");
      },
    ).map((c) => ({ ...c, requires: ["rawSockets"] as const })),
    {
      name: "handoff-listener",
      description:
        "sendSocket/receiveSocket hand a TCP listener over a Unix stream: it comes back as a SocketListener on the same port and keeps serving after the sender closed its copy",
      async run(t) {
        const [channel, peer] = await streams(t, "socketpair");
        const listener = t.use(await createTcpListener({ localHost: "127.0.0.1", localPort: 0 }));
        const port = listener.extra(SocketAttribute.localPort);
        // A runtime that exposes no fd for its own TCP listeners (Deno) must say so.
        if ((await unlessUnsupported(() => sendSocket(channel, listener).then(() => true))) === undefined) return;
        await listener.aclose();
        const received = t.use(await receiveSocket(peer));
        instanceOf(received, SocketListener, "the received socket");
        equal(received.extra(SocketAttribute.localPort), port, "its port");
        const [client, server] = await Promise.all([connectTcp("127.0.0.1", port), received.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "handoff-kinds",
      description:
        "a connected Unix stream, a connected TCP stream and a UDP socket are each rebuilt as their own class by receiveSocket",
      requires: ["rawSockets"],
      async run(t) {
        const [channel, peer] = await streams(t, "socketpair");
        const [unixA, unixB] = await streams(t, "socketpair");
        await sendSocket(channel, unixA);
        await unixA.aclose();
        const gotUnix = t.use(await receiveSocket(peer));
        instanceOf(gotUnix, UNIXSocketStream, "a connected Unix stream");
        await exchange(gotUnix, unixB);

        const tcp = t.use(await createTcpListener({ localHost: "127.0.0.1", localPort: 0 }));
        const [client, server] = await Promise.all([
          connectTcp("127.0.0.1", tcp.extra(SocketAttribute.localPort)),
          (tcp.listeners[0] as SocketListener).accept(),
        ]);
        t.use(server);
        t.use(client);
        // A runtime that exposes no fd for its own TCP streams (Deno) must say so.
        if ((await unlessUnsupported(() => sendSocket(channel, client).then(() => true))) !== undefined) {
          await client.aclose();
          const gotStream = t.use(await receiveSocket(peer));
          instanceOf(gotStream, SocketStream, "a connected TCP socket");
          await gotStream.send(utf8("via handoff"));
          bytesEqual(await receiveExactly(server, 11), "via handoff", "bytes through the handed-over stream");
        }

        const udp = await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
        const udpPort = udp.extra(SocketAttribute.localPort);
        await sendSocket(channel, udp);
        await udp.aclose();
        const gotUdp = t.use(await receiveSocket(peer));
        instanceOf(gotUdp, UDPSocket, "a UDP socket");
        equal(gotUdp.extra(SocketAttribute.localPort), udpPort, "its port");
        const sender = t.use(await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 }));
        await sender.sendto(utf8("dgram"), "127.0.0.1", udpPort);
        const [data] = await gotUdp.receive();
        bytesEqual(data, "dgram", "datagram through the handed-over socket");
      },
    },
    {
      name: "handoff-unix-listener[abstract]",
      description:
        "a Unix listener (abstract name: closing the sender's copy unlinks no file) is rebuilt as a UNIXSocketListener and serves after the sender closed its copy",
      requires: ["abstractUnix", "rawSockets"],
      async run(t) {
        const [channel, peer] = await streams(t, "socketpair");
        const name = `\0portio-handoff-${Math.random().toString(36).slice(2)}`;
        const listener = await createUnixListener(name);
        await sendSocket(channel, listener);
        await listener.aclose();
        const received = t.use(await receiveSocket(peer));
        instanceOf(received, UNIXSocketListener, "the received socket");
        const [client, server] = await Promise.all([connectUnix(name), received.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "stop-accepting",
      description:
        "stopAccepting() on one of two listeners sharing a socket: it still hands out the connections it had taken, then ClosedResourceError; the rest go to the other listener; no client is reset",
      requires: ["rawSockets"],
      async run(t) {
        const [channel, peer] = await streams(t, "socketpair");
        // An adopted listener has a known fd on every runtime (Deno's own TCP listeners have none).
        const raw = await rawSocket(t, "inet", "stream", { listening: true });
        const first = raw.adopted(raw.fd, await wrapServerSocket(raw.fd));
        instanceOf(first, SocketListener, "the adopted listener");
        const port = first.extra(SocketAttribute.localPort);
        await sendSocket(channel, first);
        const second = t.use(await receiveSocket(peer));
        instanceOf(second, SocketListener, "the shared copy");
        const clients = [];
        for (let i = 0; i < 6; i++) {
          const client = t.use(await connectTcp("127.0.0.1", port));
          await client.send(utf8(`c${i}`));
          clients.push(client);
        }
        await first.stopAccepting();
        const served: SocketStream[] = [];
        for (;;) {
          try {
            served.push(t.use(await first.accept({ signal: AbortSignal.timeout(10_000) })));
          } catch (error) {
            instanceOf(error, ClosedResourceError, "accept() after the taken connections ran out");
            break;
          }
        }
        while (served.length < clients.length) served.push(t.use(await second.accept({ signal: AbortSignal.timeout(10_000) })));
        for (const stream of served) await stream.send(await receiveExactly(stream, 2));
        const answers = await Promise.all(
          clients.map(async (client) => new TextDecoder().decode(await receiveExactly(client, 2))),
        );
        deepEqual(
          answers,
          clients.map((_, i) => `c${i}`),
          "every client got its echo",
        );
      },
    },
    {
      name: "handoff-bad-message",
      description:
        "receiveSocket refuses a message that is not a handoff (BrokenResourceError, the fd closed) and an fd that is no socket (InvalidSocketError, the fd closed): nothing leaks",
      requires: ["rawSockets"],
      async run(t) {
        const [channel, peer] = await streams(t, "socketpair");
        const [mine] = await datagramPair(t);
        await channel.sendFds(utf8("something else"), [mine]);
        await rejects(receiveSocket(peer), BrokenResourceError, "handoff message");
        // The rest of that message is still in the stream: skip it.
        bytesEqual(await receiveExactly(peer, 1), "e", "the rest of the foreign message");
        await channel.send(utf8("portio-socket"));
        await rejects(receiveSocket(peer), BrokenResourceError, "no file descriptor");
        await channel.sendFds(utf8("portio-socket"), [await nonSocketFd(t)]);
        const refused = await rejects(receiveSocket(peer), InvalidSocketError);
        equal(refused.code, "ENOTSOCK", "code");
      },
    },
    {
      name: "adopted-fds-close-on-exec",
      description:
        "adoption (wrapClientSocket, wrapServerSocket, fromSocket) makes the fd close-on-exec, so a later child process does not inherit it",
      requires: ["rawSockets"],
      async run(t) {
        const kinds = [
          ["unix", "stream", { connected: true }, "client"],
          ["inet", "stream", { connected: true }, "client"],
          ["inet", "stream", { listening: true }, "server"],
          ["inet", "dgram", { bound: true }, "server"],
          ["inet", "dgram", { connected: true }, "client"],
          ["unix", "stream", { listening: true, path: `${await t.tempDir()}/cloexec.sock` }, "server"],
          ["unix", "dgram", { connected: true }, "client"],
        ] as const;
        for (const [family, type, state, side] of kinds) {
          const raw = await rawSocket(t, family, type, { ...state, closeOnExec: false });
          equal(await factory(t).isCloseOnExec(raw.fd), false, "FD_CLOEXEC before adoption");
          const adopted = side === "client" ? await wrapClientSocket(raw.fd) : await wrapServerSocket(raw.fd);
          raw.adopted(raw.fd, adopted);
          equal(
            await factory(t).isCloseOnExec(raw.fd),
            true,
            `FD_CLOEXEC after adopting a ${family} ${type} socket (${JSON.stringify(state)})`,
          );
        }
      },
    },
  ],
};
