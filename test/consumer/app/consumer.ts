/**
 * A user's program: imports only `portio`, exactly as published (the tarballs installed with
 * npm / bun into an app outside the workspace), and runs on Node, Bun and Deno unchanged.
 * Usage: consumer.js <dir with cert.pem and key.pem> <command that runs child.js, as JSON>
 * Prints one line per check and "consumer: all checks passed"; exits 1 on the first failure.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectTcp,
  createTcpListener,
  createUdpSocket,
  createUnixDatagramSocket,
  EndOfStream,
  SocketAttribute,
  socketpair,
  TLSListener,
  TLSStream,
  UNIXSocketStream,
  type ByteStream,
} from "portio";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (data: Uint8Array): string => new TextDecoder().decode(data);
const [certDir = ".", childCommandJson = "[]"] = process.argv.slice(2);
const childCommand = JSON.parse(childCommandJson) as string[];

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  console.log(`ok ${what}`);
}

async function receiveAll(stream: ByteStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += decode(chunk);
  return text;
}

async function tcpEcho(): Promise<void> {
  const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const stop = new AbortController();
  const serving = listener.serve(
    async (stream) => {
      for await (const chunk of stream) await stream.send(chunk);
    },
    { signal: stop.signal },
  );
  const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
  await client.send(encode("hello over tcp"));
  await client.sendEof();
  expectEqual(await receiveAll(client), "hello over tcp", "tcp echo");
  await client.aclose();
  stop.abort();
  await serving;
  await listener.aclose();
}

async function udp(): Promise<void> {
  const server = await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
  const client = await createUdpSocket({ localHost: "127.0.0.1", localPort: 0 });
  await client.sendto(encode("hello over udp"), "127.0.0.1", server.extra(SocketAttribute.localPort));
  const [data, [host, port]] = await server.receive();
  expectEqual(
    [decode(data), host, port],
    ["hello over udp", "127.0.0.1", client.extra(SocketAttribute.localPort)],
    "udp datagram",
  );
  await client.aclose();
  await server.aclose();
}

async function unixDatagrams(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "portio-consumer-"));
  try {
    const server = await createUnixDatagramSocket({ localPath: join(dir, "server.sock") });
    const client = await createUnixDatagramSocket({ localPath: join(dir, "client.sock") });
    await client.sendto(encode("hello over unix datagrams"), join(dir, "server.sock"));
    const [data, from] = await server.receive();
    expectEqual([decode(data), from], ["hello over unix datagrams", join(dir, "client.sock")], "unix datagram");
    await client.aclose();
    await server.aclose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pairAndAdoption(): Promise<void> {
  const [a, b] = await socketpair();
  await a.send(encode("hello over socketpair"));
  expectEqual(decode(await b.receive()), "hello over socketpair", "socketpair");

  // b's fd becomes the child's fd 3; the child adopts it (wrapClientSocket) and answers.
  const fd = b.extra(SocketAttribute.fd);
  const child = spawn(childCommand[0]!, childCommand.slice(1), { stdio: ["ignore", "inherit", "inherit", fd] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  await b.aclose(); // the child holds its own copy now
  await a.send(encode("ping"));
  expectEqual(await receiveAll(a), "pong from an adopted fd 3", "adoption of an inherited fd");
  expectEqual(await exited, 0, "child exit code");
  await a.aclose();
}

async function tls(): Promise<void> {
  const cert = readFileSync(join(certDir, "cert.pem"), "utf8");
  const key = readFileSync(join(certDir, "key.pem"), "utf8");
  const tcp = await createTcpListener({ localHost: "127.0.0.1", localPort: 0 });
  const listener = new TLSListener(tcp, { cert, key });
  const stop = new AbortController();
  const serving = listener.serve(
    async (stream) => {
      const request = decode(await stream.receive());
      await stream.send(encode(`${request} back, ${stream.extra(SocketAttribute.family)}`));
    },
    { signal: stop.signal },
  );
  const client = await connectTcp("127.0.0.1", tcp.extra(SocketAttribute.localPort), {
    tls: { ca: cert },
    tlsHostname: "localhost",
  });
  if (!(client instanceof TLSStream)) throw new Error("connectTcp with tls did not return a TLSStream");
  await client.send(encode("hello over tls"));
  expectEqual(await receiveAll(client), "hello over tls back, inet", "tls round trip");
  await client.aclose();
  stop.abort();
  await serving;
  await listener.aclose();
}

try {
  await tcpEcho();
  await udp();
  await unixDatagrams();
  await pairAndAdoption();
  await tls();
  // An error class from `portio` is the one the backend throws (one copy of core).
  const [x, y] = await socketpair();
  await y.aclose();
  const ended = await x.receive().then(
    () => "data",
    (error: unknown) => error instanceof EndOfStream,
  );
  expectEqual(ended, true, "EndOfStream from the backend is portio's EndOfStream");
  await x.aclose();
  if (!(x instanceof UNIXSocketStream)) throw new Error("socketpair did not give UNIXSocketStreams");
  console.log("consumer: all checks passed");
} catch (error) {
  console.error("consumer: FAILED:", error);
  process.exit(1);
}
