/**
 * Child process of the handoff tests, the same code on Node, Bun and Deno (each entry registers
 * its backend, see child-*.ts; the test bundles them with esbuild). Modes:
 *
 * - `serve CHANNEL`: connects to the Unix socket CHANNEL, receives a socket with receiveSocket,
 *   prints `received <Class>`, answers one client (`hello` → `echo:hello`) on it, prints `served`.
 * - `python PATH`: the portio side of test/handoff/py_peer.py's fd-passing dialogue; prints
 *   `scenario ok` when every step checked out and no fd was left open.
 * - `give CHANNEL KIND`: makes a socket of KIND (`tcp-listener`, `unix-listener NAME` (abstract: NAME without the leading NUL), `udp`),
 *   hands it over CHANNEL with sendSocket, closes its own copy, prints `sent`, and exits when the
 *   channel closes.
 */
import {
  ConnectedUDPSocket,
  FdsTruncated,
  UNIXSocketStream,
  socketpair,
  wrapClientSocket,
  SocketListener,
  SocketStream,
  UDPSocket,
  connectUnix,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  receiveSocket,
  sendSocket,
  setBackend,
} from "@portio/core";
import type { AsyncBackend } from "@portio/core/backend";

const encoder = new TextEncoder();
const echo = (data: Uint8Array): Uint8Array => encoder.encode(`echo:${new TextDecoder().decode(data)}`);

function args(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno ? deno.args : process.argv.slice(2);
}

async function serveOnce(socket: unknown): Promise<void> {
  if (socket instanceof SocketListener) {
    const stream = await socket.accept();
    await stream.send(echo(await stream.receive()));
    await stream.aclose();
  } else if (socket instanceof SocketStream) {
    await socket.send(echo(await socket.receive()));
  } else if (socket instanceof UDPSocket) {
    const [data, [host, port]] = await socket.receive();
    await socket.sendto(echo(data), host, port);
  } else if (socket instanceof ConnectedUDPSocket) {
    await socket.send(echo(await socket.receive()));
  } else {
    throw new Error(`nothing to serve on ${String(socket)}`);
  }
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function openFds(): Promise<number> {
  return (await fdTargets()).length;
}

/** What each open fd is (`socket:[…]`, `anon_inode:[eventfd]`, ...), for leak reports. */
async function fdTargets(): Promise<string[]> {
  const { readdirSync, readlinkSync } = await import("node:fs");
  return readdirSync("/proc/self/fd").map((fd) => {
    try {
      return `${fd}=${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd}=?`; // the fd readdir itself used
    }
  });
}

/**
 * Everything the dialogue uses once, so that fds a runtime or the FFI opens lazily for good
 * (libc's binding, Node 24's own) are there before counting.
 */
async function warmUp(): Promise<void> {
  const [a, b] = await socketpair("stream");
  // Receive first and send a moment later, so that the reactor really waits (Bun's starts its
  // poll thread, with the thread's own fds, on the first such wait).
  const receiving = b.receiveFds(1, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await a.sendFds(encoder.encode("w"), [b]);
  const [, [fd]] = await receiving;
  await (await wrapClientSocket(fd!)).aclose();
  await Promise.all([a.aclose(), b.aclose()]);
}

/** The portio side of test/handoff/py_peer.py, step by step. */
async function pythonDialogue(channel: UNIXSocketStream): Promise<void> {
  const signal = AbortSignal.timeout(15_000);
  // 1. A socket from Python: adopt it and send through it.
  const [one, [fd1]] = await channel.receiveFds(3, 1, { signal });
  check(text(one) === "one" && fd1 !== undefined, `step 1 message ${text(one)}`);
  const adopted = await wrapClientSocket(fd1!);
  check(adopted instanceof UNIXSocketStream, "step 1 adopts as a UNIXSocketStream");
  await (adopted as UNIXSocketStream).send(encoder.encode("via-fd"));
  await adopted.aclose();
  // 2. Bytes around a message with an fd.
  check(text(await channel.receive(6, { signal })) === "before", "step 2 bytes before");
  const [m, [fd2]] = await channel.receiveFds(1, 1, { signal });
  check(text(m) === "M" && fd2 !== undefined, "step 2 message and fd");
  await (await wrapClientSocket(fd2!)).aclose();
  check(text(await channel.receive(5, { signal })) === "after", "step 2 bytes after");
  // 3. Three fds where one is asked for.
  try {
    await channel.receiveFds(5, 1, { signal });
    check(false, "step 3 should have been truncated");
  } catch (error) {
    check(error instanceof FdsTruncated && text(error.data) === "three", `step 3 ${String(error)}`);
  }
  // 4. A socket to Python.
  const [mine, theirs] = await socketpair("stream");
  await channel.sendFds(encoder.encode("back"), [theirs], { signal });
  await theirs.aclose();
  check(text(await channel.receive(2, { signal })) === "ok", "step 4 Python's ok");
  let fromPython = "";
  while (fromPython.length < 11) fromPython += text(await mine.receive(64, { signal }));
  check(fromPython === "from-python", "step 4 bytes through the passed socket");
  await mine.aclose();
  await channel.send(encoder.encode("done"));
}

export async function main(backend: AsyncBackend): Promise<void> {
  setBackend(backend);
  const [mode, channelPath, kind, name] = args();
  // Counting fds reads /proc/self/fd, which Deno allows only with --allow-all: python mode only.
  const beforeTargets = mode === "python" ? await warmUp().then(fdTargets) : [];
  const before = beforeTargets.length;
  const channel = await connectUnix(channelPath!);
  if (mode === "python") {
    await pythonDialogue(channel);
    await channel.aclose();
    // The libc reactor closes its wake-up fd (and Bun its poll thread's) once idle, a few turns
    // after the last wait: give that a bounded moment before calling anything a leak.
    let after = await openFds();
    for (let i = 0; i < 100 && after !== before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await openFds();
    }
    check(after === before, `open fds: ${before} before (${beforeTargets.join(" ")}), after: ${(await fdTargets()).join(" ")}`);
    console.log("scenario ok");
    return;
  }
  if (mode === "serve") {
    const socket = await receiveSocket(channel, { signal: AbortSignal.timeout(15_000) });
    console.log(`received ${socket.constructor.name}`);
    await serveOnce(socket);
    await socket.aclose();
    console.log("served");
  } else if (mode === "give") {
    const socket =
      kind === "tcp-listener"
        ? await createTcpListener({ localHost: "127.0.0.1", localPort: 0 })
        : kind === "unix-listener"
          ? await createUnixListener(`\0${name!}`) // abstract: NAME comes without its NUL
          : await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
    await sendSocket(channel, socket);
    await socket.aclose();
    console.log("sent");
    // The parent closes the channel once it serves the socket; bounded all the same.
    await channel.receive(1, { signal: AbortSignal.timeout(15_000) }).catch(() => {});
  } else {
    throw new Error(`unknown mode ${String(mode)}`);
  }
  await channel.aclose();
}
