import {
  connectUnix,
  createConnectedUnixDatagramSocket,
  createUnixDatagramSocket,
  createUnixListener,
  SocketAttribute,
} from "@portio/core";
import { atLeast, bytesEqual, deepEqual, describe, equal, fail, ok, rejects } from "../assert.ts";
import type { SuiteDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import type { OtherUserProber, SocketFileTools } from "../harness.ts";
import { utf8 } from "../support/bytes.ts";
import { errorCode } from "../support/error-code.ts";
import { exchange, receiveExactly } from "../support/io.ts";
import { startServing } from "../support/serving.ts";

/** Listener set-ups the mode case runs at least, and at most (AnyIO has no such case; see issue 11). */
const MIN_SETUPS = 2000;
const MAX_SETUPS = 20000;
/** Times the other user must have found the 0o600 file (and been refused) for the case to count. */
const MIN_DENIED = 20;

function tools(t: CaseContext): SocketFileTools {
  return t.harness.socketFiles ?? fail("the harness lends no socketFiles");
}

/**
 * Umask 0 for the rest of the case, and the other user probing `path` (in a fresh directory) as a
 * socket of `type`; both undone after the case.
 */
async function raceAgainstOtherUser(
  t: CaseContext,
  type: "stream" | "dgram",
): Promise<{ files: SocketFileTools; path: string; prober: OtherUserProber }> {
  const files = tools(t);
  const dir = await t.tempDir();
  const path = `${dir}/socket`;
  const previous = files.umask(0);
  t.defer(() => files.umask(previous));
  const prober = await files.probeAsOtherUser(dir, path, type);
  t.defer(() => prober.stop());
  return { files, path, prober };
}

/**
 * Runs `setUp` at least {@link MIN_SETUPS} times, and on until the other user has been refused
 * {@link MIN_DENIED} times (so the loop raced against files that existed), at most
 * {@link MAX_SETUPS} times; sums the prober's counts.
 */
async function repeatSetups(
  prober: OtherUserProber,
  setUp: () => Promise<void>,
): Promise<{ setups: number; reached: number; denied: number }> {
  let reached = 0;
  let denied = 0;
  let setups = 0;
  const collect = async () => {
    const counts = await prober.report();
    reached += counts.connected;
    denied += counts.denied;
  };
  while ((setups < MIN_SETUPS || denied < MIN_DENIED) && setups < MAX_SETUPS) {
    await setUp();
    if (++setups % 500 === 0) await collect();
  }
  await collect();
  return { setups, reached, denied };
}

async function expectAddressInUse(creating: Promise<unknown>, what: string): Promise<void> {
  try {
    const listener = await creating;
    await (listener as { aclose(): Promise<void> }).aclose();
  } catch (error) {
    equal(errorCode(error), "EADDRINUSE", `code of ${describe(error)}`);
    return;
  }
  fail(`createUnixListener() over ${what} succeeded; expected EADDRINUSE`);
}

/**
 * Fails unless `dir` holds exactly `names`: the listener's private bind directory (`.p…`, next to
 * the path) must be gone whether the listener came up or not.
 */
async function onlyNames(files: SocketFileTools, dir: string, names: string[], when: string): Promise<void> {
  deepEqual(await files.list(dir), names, `the names in the socket's directory ${when}`);
}

/**
 * A path of exactly `bytes` bytes in `dir` (the socket address limit on Linux is 108 bytes with the
 * terminating NUL).
 */
function pathOfLength(dir: string, bytes: number): string {
  const prefix = `${dir}/`;
  return prefix + "x".repeat(bytes - utf8(prefix).length);
}

/**
 * The socket file of a Unix listener: its mode holds from the moment it exists, a live socket is
 * never taken over, a stale one is replaced, other files are left alone, close removes only the
 * file the listener made, and names that do not fit in a socket address are refused.
 */
export const unixSocketFilesSuite: SuiteDefinition = {
  suite: "unix-socket-files",
  cases: [
    {
      name: "mode-holds-from-the-start",
      description:
        "under umask 0, another user (nobody) connecting in a loop never reaches a listener created with mode 0o600, over thousands of set-ups; with mode 0o666 it does",
      requires: ["socketFiles", "otherUser"],
      async run(t) {
        const { files, path, prober } = await raceAgainstOtherUser(t, "stream");
        let first = true;
        const {
          setups,
          reached: connected,
          denied,
        } = await repeatSetups(prober, async () => {
          const listener = await createUnixListener(path, { mode: 0o600 });
          if (first) equal((await files.inspect(path))?.mode, 0o600, "mode of the socket file");
          first = false;
          await listener.aclose();
        });
        equal(connected, 0, `connections by nobody to a 0o600 listener in ${setups} set-ups (refused ${denied} times)`);
        atLeast(denied, MIN_DENIED, `times nobody found the socket file and was refused, in ${setups} set-ups`);
        // The same prober does get in when the mode lets it: the mode is what kept it out.
        const open = t.use(await createUnixListener(path, { mode: 0o666 }));
        t.use(await open.accept());
      },
    },
    {
      name: "datagram-mode-holds-from-the-start",
      description:
        "under umask 0, another user (nobody) sending datagrams in a loop never reaches a Unix datagram socket bound with mode 0o600, over thousands of set-ups; with mode 0o666 it does",
      requires: ["socketFiles", "otherUser"],
      async run(t) {
        const { path, prober } = await raceAgainstOtherUser(t, "dgram");
        const { setups, reached, denied } = await repeatSetups(prober, async () => {
          await (await createUnixDatagramSocket({ localPath: path, mode: 0o600 })).aclose();
        });
        equal(reached, 0, `datagrams nobody got into a 0o600 socket in ${setups} set-ups (refused ${denied} times)`);
        atLeast(denied, MIN_DENIED, `times nobody found the socket file and was refused, in ${setups} set-ups`);
        const open = t.use(await createUnixDatagramSocket({ localPath: path, mode: 0o666 }));
        bytesEqual((await open.receive())[0], "x", "a datagram from nobody once the mode lets it in");
      },
    },
    {
      name: "live-socket-kept",
      description:
        "createUnixListener() on the path of a listener that is still listening fails with EADDRINUSE; the first listener keeps its file and its clients",
      async run(t) {
        const dir = await t.tempDir();
        const path = `${dir}/socket`;
        const first = t.use(await createUnixListener(path));
        // The check that finds it live connects once: the first listener sees that connection end.
        startServing(t, first, async (stream) => {
          for await (const chunk of stream) await stream.send(chunk);
        });
        await expectAddressInUse(createUnixListener(path), "a live socket");
        if (t.harness.socketFiles) await onlyNames(t.harness.socketFiles, dir, ["socket"], "after the refused listener");
        const client = t.use(await connectUnix(path));
        await client.send(utf8("still mine"));
        bytesEqual(await receiveExactly(client, 10), "still mine", "echo from the first listener");
      },
    },
    {
      name: "stale-socket-replaced",
      description: "a socket file nobody listens on (connect: ECONNREFUSED) is replaced by a new listener",
      requires: ["rawSockets", "socketFiles"],
      async run(t) {
        const dir = await t.tempDir();
        const path = `${dir}/socket`;
        const raw = await t.harness.rawSockets!.create("unix", "stream", { bound: true, path });
        await t.harness.rawSockets!.close(raw.fd);
        equal((await tools(t).inspect(path))?.kind, "socket", "a stale socket file is at the path");
        const listener = t.use(await createUnixListener(path));
        await onlyNames(tools(t), dir, ["socket"], "once the stale file is replaced");
        const [client, server] = await Promise.all([connectUnix(path), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "other-files-kept",
      description:
        "a regular file or a directory at the path stays as it is and createUnixListener() fails with EADDRINUSE, leaving nothing else in the directory",
      requires: ["socketFiles"],
      async run(t) {
        const files = tools(t);
        const dir = await t.tempDir();
        await files.writeFile(`${dir}/file`, "keep me");
        await expectAddressInUse(createUnixListener(`${dir}/file`), "a regular file");
        equal((await files.inspect(`${dir}/file`))?.kind, "file", "what is at the path afterwards");
        await onlyNames(files, dir, ["file"], "after the refused listener");
        const inner = await t.tempDir();
        await expectAddressInUse(createUnixListener(inner), "a directory");
        equal((await files.inspect(inner))?.kind, "directory", "what is at the path afterwards");
      },
    },
    {
      name: "close-removes-own-file-only",
      description:
        "aclose() removes the listener's socket file (and the directory holds nothing else); when someone replaced it meanwhile, the new file stays and keeps working",
      requires: ["socketFiles"],
      async run(t) {
        const files = tools(t);
        const dir = await t.tempDir();
        const path = `${dir}/socket`;
        const mine = await createUnixListener(path);
        await onlyNames(files, dir, ["socket"], "while the listener is open");
        await mine.aclose();
        equal(await files.inspect(path), undefined, "the path after aclose()");
        await onlyNames(files, dir, [], "after aclose()");

        const replaced = t.use(await createUnixListener(path));
        const original = await files.inspect(path);
        await files.unlink(path);
        const newer = t.use(await createUnixListener(path));
        const installed = await files.inspect(path);
        ok(installed !== undefined && installed.ino !== original?.ino, "the second listener made a new file");
        await replaced.aclose();
        deepEqual(await files.inspect(path), installed, "the newer listener's file after the older one closed");
        const [client, server] = await Promise.all([connectUnix(path), newer.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);
      },
    },
    {
      name: "path-length-limit",
      description:
        "a path of 107 bytes works; 108 bytes and more, or an abstract name of more than 107 bytes, is a RangeError for listeners, connects and datagram sockets (no runtime cuts it short)",
      async run(t) {
        const dir = await t.tempDir();
        const longest = pathOfLength(dir, 107);
        const listener = t.use(await createUnixListener(longest));
        deepEqual(listener.extra(SocketAttribute.localAddress), longest, "localAddress");
        const [client, server] = await Promise.all([connectUnix(longest), listener.accept()]);
        t.use(client);
        t.use(server);
        await exchange(client, server);

        for (const bytes of [108, 200]) {
          const tooLong = pathOfLength(dir, bytes);
          await rejects(createUnixListener(tooLong), RangeError, "108", `createUnixListener() of ${bytes} bytes`);
          // Sharing its first 107 bytes with `longest` must not reach that listener.
          await rejects(
            connectUnix(`${longest}${"y".repeat(bytes - 107)}`),
            RangeError,
            "108",
            `connectUnix() of ${bytes} bytes`,
          );
          await rejects(createUnixDatagramSocket({ localPath: tooLong }), RangeError, "108", "a datagram socket's localPath");
          await rejects(createConnectedUnixDatagramSocket(tooLong), RangeError, "108", "a datagram socket's remotePath");
        }
        const abstractName = `\0${"a".repeat(108)}`;
        await rejects(createUnixListener(abstractName), RangeError, "107", "an abstract name of 108 bytes");
        await rejects(connectUnix(abstractName), RangeError, "107", "connectUnix() of an abstract name of 108 bytes");
      },
    },
    {
      name: "sendto-path-length-limit",
      description: "UNIXDatagramSocket.sendto() to a path of 108 bytes or more is a RangeError; the socket still works",
      async run(t) {
        const dir = await t.tempDir();
        const socket = t.use(await createUnixDatagramSocket({ localPath: `${dir}/a` }));
        await rejects(socket.sendto(utf8("x"), pathOfLength(dir, 108)), RangeError, "108", "sendto() to 108 bytes");
        await socket.sendto(utf8("ping"), `${dir}/a`);
        const [data] = await socket.receive();
        deepEqual(data, utf8("ping"), "the datagram sent to itself afterwards");
      },
    },
  ],
};
