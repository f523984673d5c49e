/**
 * Unix datagrams on the Deno backend, the part that needs the file system: the socket file's
 * mode, and a stale socket file being replaced. UDP, Unix datagrams and socketpair() themselves
 * are covered by @portio/testkit (suites "udp", "connected-udp", "unix-datagram",
 * "connected-unix-datagram", "socketpair"), which conformance.test.ts runs inside Deno.
 */
import { createConnectedUnixDatagramSocket, createUnixDatagramSocket, SocketAttribute } from "@portio/core";
import { leakFree, makeTempDir, removeDir } from "./harness.ts";

function assertEquals(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

leakFree("unix datagram: mode is applied to the socket file", async () => {
  const dir = await makeTempDir();
  try {
    await using a = await createUnixDatagramSocket({ localPath: `${dir}/a`, mode: 0o600 });
    await using b = await createConnectedUnixDatagramSocket(`${dir}/a`, { localPath: `${dir}/b`, mode: 0o640 });
    assertEquals((Deno.statSync(`${dir}/a`).mode ?? 0) & 0o777, 0o600, "mode of the unconnected socket's file");
    assertEquals((Deno.statSync(`${dir}/b`).mode ?? 0) & 0o777, 0o640, "mode of the connected socket's file");
    void a;
    void b;
  } finally {
    await removeDir(dir);
  }
});

leakFree("unix datagram: a stale socket file is replaced", async () => {
  const dir = await makeTempDir();
  try {
    const first = await createUnixDatagramSocket({ localPath: `${dir}/s` });
    await first.aclose(); // libc leaves the file behind
    await using second = await createUnixDatagramSocket({ localPath: `${dir}/s` });
    assertEquals(second.extra(SocketAttribute.localAddress), `${dir}/s`, "local address");
  } finally {
    await removeDir(dir);
  }
});
