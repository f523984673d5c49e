/**
 * Deno's TLS download (tls.ts's portio variant), layer by layer: this process's CPU time (user +
 * system) per MiB of one warm download for each layer added on top of tls.ts's floor, each
 * variant in a process of its own, rounds alternating the variants (reversed every other round).
 * The Deno counterpart of bench/tls-layers.mjs, which takes the Bun and Node backends' paths.
 *
 *   node_modules/deno/deno run --no-config --no-lock --no-check --node-modules-dir=manual \
 *     --conditions=portio-source --allow-all backends/deno/bench/tls-layers.ts [--mib 64] \
 *     [--warm 64] [--rounds 3] [--variants floor,awaited,connpump,corepump,duplex,session,tls,...]
 *     [--connections N] [--callgrind]
 *
 * Variants (the server is tls.ts's own child, raw Deno.listenTls), each one thing more than the
 * one before; all read to the end and check close_notify against a ragged EOF:
 *   floor     tls.ts's floor: node:tls over a plain Duplex on a raw Deno.connect conn, 'data' events
 *   awaited   the same, read with one awaited promise per receive of at most 64 KiB (what any
 *             receive() API costs, portio's included)
 *   connpump  node:tls over node-shared's PortioDuplex (the pump) on the raw conn as a bare
 *             receive()/send() stream, a fresh 64 KiB buffer per read as the floor reads
 *   corepump  that conn under core's SocketStream (a minimal transport with readWith)
 *   duplex    the pump on a connectTcp() stream: the Deno backend's DenoStreamTransport there
 *   session   + NodeTLSTransport (node-shared's wrapTls), read by core's SocketStream
 *   tls       connectTcp(host, port, { tls }): + TLSStream and its session transport (what users run)
 * and two that split corepump -> duplex (not in the default list):
 *   dst       DenoStreamTransport on a raw Deno.connect conn, under core's SocketStream
 *   coretcp   corepump's minimal transport on the conn of a connectTcp() stream (its setup, TCP_NODELAY)
 * The window is one download of --mib MiB after two of --warm MiB, connect and close outside it;
 * with --connections N it is N connections of --mib MiB, each connected, downloaded and closed in
 * it (what a connection costs besides its bytes). Each line also gives user and system CPU, minor
 * faults and receives per MiB, and the faults the process had taken before the window (how far its
 * memory had grown: see the fault experiments below for why that decides the window's faults). --callgrind counts instructions instead (callgrind_control zeroes
 * and dumps around the window), but on Deno it is slow (a minute or more per process) and counts
 * every thread, V8's background compiler included: floor 14.6 and awaited 25.8 M per MiB in one
 * pair, so it is not what the figures below use.
 *
 * Measured (Deno 2.9.6, two cores shared with other work, 64 MiB after 2 x 16, 8 rounds; µs CPU
 * per MiB, medians, then the median of per-round ratios):
 *   floor 2089, awaited 2048, connpump 2094, corepump 1945, duplex 2245, session 2252, tls 2280.
 *   awaited / floor 0.98; connpump / awaited 1.04; corepump / connpump 0.93; duplex / corepump
 *   1.17 (1.12-1.20, every round); session / duplex 1.00 (0.97-1.02); tls / session 0.99;
 *   tls / floor 1.09.
 * So the awaited receive, the pump's own logic and core's receive cost the floor's CPU, and so do
 * the TLS session (NodeTLSTransport, NetStreamTransport's queue on the TLS socket) and TLSStream:
 * plaintext comes in 64 KiB chunks (16 receives per MiB), whose JavaScript is about 1 % of the
 * client's busy samples in a --cpu-prof profile. What portio adds is where a connectTcp() stream
 * replaces the minimal transport under the pump: DenoStreamTransport against a fresh-buffer
 * conn.read per receive (duplex / corepump 1.12-1.15 in two more runs of 8; the same
 * DenoStreamTransport on a raw Deno.connect conn, dst, 1.10). Its JavaScript is about 2 % of
 * busy samples, the minimal transport's about 3 %, and the system calls are the same (strace -c:
 * the same recvfrom count and EAGAINs); what differs is system time and minor page faults: in
 * single child processes (`--child VARIANT 16 64 0` with TLS_LAYERS_CERT set and two lines on
 * stdin, as measure() runs it; 64 MiB window) corepump took 4,339-4,900 faults
 * and coretcp 4,478-4,483, while every DenoStreamTransport took 8,186-10,496: duplex, dst, and
 * scratch builds with its read-ahead off, with a fresh 64 KiB slab per read, with both, with the
 * slab let go of as soon as a read fills it (and its op promise), with no 1 KiB first arena or
 * 16 KiB first slab, and with the chunk handed out as the very array read into (on the minimal
 * transport: 4,285-4,506). All of those changes at once: 7,828 and 6,065. The slab bytes
 * allocated are the same (67.2 MB per 64 MiB, one slab per read of 64 KiB), and V8 runs the same
 * 6-7 scavenges and no full collection in either process (--trace-gc), so the cause is in
 * DenoStreamTransport but none of those alone; not found by the end of the round.
 * Found in the twelfth round: none of it is DenoStreamTransport's cost. Every variant's process
 * ends at the same total, about 23,250 faults (with --warm 16: corepump 18,811-18,972 before the
 * window + 4,283-5,136 in it, DenoStreamTransport 14,790-17,783 + 5,301-8,381, six rounds each; the
 * minimal transports in scratch builds, read ahead or delivered straight from the op's reaction,
 * fell on either side in different runs). The faults are the memory the process touches while it
 * grows to its steady size (perf record -e minor-faults, enabled for the window only: 75-87 % in
 * one memmove under node:tls's js_stream_socket ondata, which hands each ciphertext chunk to the
 * TLS session, into freshly allocated memory); a DenoStreamTransport process gets there later, so two
 * 16 MiB warm-up downloads left half of it inside the window, and the window's system time with it.
 * Hence --warm 64 (the default since): every process has taken about 23,200 faults before the
 * window, which then takes 111-4,549 (corepump) and 146-787 (dst) in 8 rounds, and dst / corepump
 * is 1.04 in CPU per MiB (medians 1,723 and 1,662; per round 1.29, 1.04, 0.81, 1.02, 1.00, 1.14,
 * 1.00, 1.04) against 1.10 with --warm 16 (six rounds: 1.04, 1.14, 1.09, 1.11, 1.18, 1.07). A
 * second run of 8 (corepump, dst, duplex; 0.7-15.4 faults per MiB for all): dst / corepump 1.02 in
 * medians (per-round median 1.04), duplex / corepump 1.05 (1.01), all within this machine's spread.
 * The faults-before-the-window figure on each line shows which case a run is.
 * Per connection (--mib 1 --connections 20, 8 rounds, ms per 1 MiB connection): floor 4.84,
 * duplex 5.01, session 5.33, tls 5.67 (per round over floor 1.06, 1.12, 1.17): about 0.3 ms each
 * for the session (wrapTls, and a close that sends close_notify, which floor does not) and for
 * TLSStream over it, within this machine's spread; tls.ts's download cell (256 MiB per connection)
 * carries a connection's cost once, 0.2 % of a round.
 */
import { connectTcp, EndOfStream, SocketStream, setBackend, type TLSStream } from "@portio/core";
import { DenoStreamTransport, denoBackend } from "@portio/deno";
import type { ReadSink, StreamTransport } from "@portio/core/backend";
import { PortioDuplex, wrapTls } from "@portio/node-shared";
import process from "node:process";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { ConnDuplex, DENO_RUN, makeCertificate, startServer, writeAll } from "./tls-common.ts";

const CHUNK = 64 * 1024;
const args = Deno.args;
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
/** Per measurement without --callgrind: user and system CPU and minor faults per MiB. */
const details: string[] = [];

async function parent(): Promise<void> {
  const mib = Number(opt("mib", "64"));
  const warm = Number(opt("warm", "64"));
  const rounds = Number(opt("rounds", "3"));
  const connections = Number(opt("connections", "0"));
  const callgrind = args.includes("--callgrind");
  const digits = callgrind ? 3 : 1;
  const unit = callgrind ? "M instructions" : "µs CPU";
  const variants = opt("variants", "floor,awaited,duplex,session,tls").split(",");
  const certificate = JSON.stringify(makeCertificate());
  const results: Record<string, number[]> = Object.fromEntries(variants.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? variants : [...variants].reverse()) {
      const perMib = await measure(name, mib, warm, connections, certificate, callgrind);
      results[name]!.push(perMib);
      console.log(`round ${round + 1} ${name.padEnd(8)} ${perMib.toFixed(digits)} ${unit} per MiB ${details.at(-1) ?? ""}`);
    }
  }
  console.log(`client ${unit} per MiB, ${mib} MiB window after ${warm} MiB x 2 warm-up:`);
  for (const name of variants) console.log(`  ${name.padEnd(8)} ${results[name]!.map((v) => v.toFixed(digits)).join("  ")}`);
}

/** One variant in a child process: its window's CPU (µs) or, with --callgrind, instructions (M) per MiB. */
async function measure(
  name: string,
  mib: number,
  warm: number,
  connections: number,
  certificate: string,
  callgrind: boolean,
): Promise<number> {
  /** MiB in the window: one download, or one per connection. */
  const mibs = mib * Math.max(connections, 1);
  const out = Deno.makeTempDirSync({ prefix: "portio-tls-layers-" });
  const command = [
    ...DENO_RUN,
    new URL(import.meta.url).pathname,
    "--child",
    name,
    String(warm),
    String(mib),
    String(connections),
  ];
  const child = new Deno.Command(callgrind ? "valgrind" : Deno.execPath(), {
    args: callgrind
      ? ["--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${out}/callgrind.%p`, Deno.execPath(), ...command]
      : command,
    env: { TLS_LAYERS_CERT: certificate },
    stdin: "piped",
    stdout: "piped",
    stderr: callgrind ? "null" : "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const expect = async (word: string): Promise<string> => {
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith(word)) return line;
        continue;
      }
      const { value, done } = await lines.read();
      if (done) throw new Error(`${name}: the child ended before ${word}`);
      buffered += value;
    }
  };
  const control = (...args: string[]) =>
    new Deno.Command("callgrind_control", { args: [...args, String(child.pid)], stdout: "null", stderr: "null" }).outputSync();
  const stdin = child.stdin.getWriter();
  try {
    await expect("READY");
    if (callgrind) control("-z");
    await stdin.write(new TextEncoder().encode("go\n"));
    const done = await expect("DONE");
    if (callgrind) control("-d", "window");
    await stdin.write(new TextEncoder().encode("go\n"));
    await stdin.close();
    await child.status;
    if (!callgrind) {
      const [, total, user, system, faults, receives, before] = done.split(" ").map(Number);
      details.push(
        `(user ${(user! / mibs).toFixed(1)}, system ${(system! / mibs).toFixed(1)}; ${(faults! / mibs).toFixed(1)} minor faults, ` +
          `${(receives! / mibs).toFixed(1)} receives; ${before} faults before the window)`,
      );
      return total! / mibs;
    }
    for (const entry of Deno.readDirSync(out)) {
      const text = Deno.readTextFileSync(`${out}/${entry.name}`);
      if (!/^desc: Trigger: .*window/m.test(text)) continue;
      return Number(/^(?:summary|totals): (\d+)/m.exec(text)![1]) / 1e6 / mibs;
    }
    throw new Error(`${name}: no callgrind dump for the window`);
  } finally {
    lines.releaseLock();
    try {
      child.kill();
    } catch {
      // exited
    }
    Deno.removeSync(out, { recursive: true });
  }
}

/** Chunks handed in by events, taken with one awaited promise per receive of at most CHUNK bytes. */
function awaitedChunks() {
  const queue: Uint8Array[] = [];
  let waiter: ((chunk: Uint8Array | null) => void) | undefined;
  let ended = false;
  let pending: Uint8Array | undefined;
  const give = (chunk: Uint8Array | null): void => {
    if (waiter === undefined) {
      if (chunk !== null) queue.push(chunk);
      return;
    }
    const resolve = waiter;
    waiter = undefined;
    resolve(chunk);
  };
  return {
    give,
    end(): void {
      ended = true;
      if (waiter !== undefined) give(null);
    },
    async receive(): Promise<Uint8Array | null> {
      let chunk: Uint8Array | null | undefined = pending;
      pending = undefined;
      if (chunk === undefined) {
        if (queue.length > 0) chunk = queue.shift()!;
        else if (ended) chunk = null;
        else chunk = await new Promise<Uint8Array | null>((resolve) => (waiter = resolve));
      }
      if (chunk === null || chunk.byteLength <= CHUNK) return chunk;
      pending = chunk.subarray(CHUNK);
      return chunk.subarray(0, CHUNK);
    },
  };
}

/** This process's minor page faults so far (Linux: /proc/self/stat's tenth field). */
function minorFaults(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/**
 * A raw Deno.Conn as the least a portio byte stream needs under PortioDuplex (variant connpump):
 * each receive reads into a fresh 64 KiB buffer, as the floor's Duplex does.
 */
function connAsStream(conn: Deno.Conn) {
  return {
    async receive(): Promise<Uint8Array> {
      const buffer = new Uint8Array(CHUNK);
      const n = await conn.read(buffer);
      if (n === null) throw new EndOfStream();
      return buffer.subarray(0, n);
    },
    send: (data: Uint8Array): Promise<void> => writeAll(conn, data),
    aclose(): Promise<void> {
      try {
        conn.close();
      } catch {
        // already closed
      }
      return Promise.resolve();
    },
  } as unknown as ConstructorParameters<typeof PortioDuplex>[0] & { aclose(): Promise<void> };
}

/**
 * A raw Deno.Conn as the least a transport under core's SocketStream needs (variant corepump):
 * each read into a fresh 64 KiB buffer, delivered through readWith as Deno's transport does.
 */
function connAsTransport(conn: Deno.Conn): StreamTransport {
  const read = async (): Promise<Uint8Array | null> => {
    const buffer = new Uint8Array(CHUNK);
    const n = await conn.read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  };
  return {
    family: "inet",
    fd: undefined,
    localAddress: () => ["127.0.0.1", 0],
    remoteAddress: () => ["127.0.0.1", 0],
    read,
    readWith(reader: ReadSink): void {
      read().then(
        (chunk) => reader.resolve(chunk),
        (error: unknown) => reader.reject(error),
      );
    },
    write: (data) => writeAll(conn, data),
    shutdownWrite: () => conn.closeWrite(),
    close(): Promise<void> {
      try {
        conn.close();
      } catch {
        // already closed
      }
      return Promise.resolve();
    },
  };
}

interface Connection {
  download(): Promise<number>;
  close(): Promise<void> | void;
}

async function child(name: string, warm: number, mib: number, connections: number): Promise<void> {
  setBackend(denoBackend);
  const { ca, cert, key } = JSON.parse(Deno.env.get("TLS_LAYERS_CERT")!) as { ca: string; cert: string; key: string };
  let receives = 0;
  /** Receives to the end (null, or EndOfStream from portio): the bytes received. */
  const drain = async (receive: () => Promise<Uint8Array | null>): Promise<number> => {
    let got = 0;
    try {
      for (let chunk = await receive(); chunk !== null; chunk = await receive()) {
        got += chunk.byteLength;
        receives++;
      }
    } catch (error) {
      if (!(error instanceof EndOfStream)) throw error;
    }
    return got;
  };
  const secureOver = async (duplex: Duplex, hook?: (secure: tls.TLSSocket) => void): Promise<tls.TLSSocket> => {
    const secure = tls.connect({ socket: duplex, ca, servername: "localhost" });
    hook?.(secure);
    await new Promise((resolve, reject) => secure.once("secureConnect", resolve).once("error", reject));
    return secure;
  };
  const awaitedOver = async (
    duplex: Duplex,
    transportEnded: () => boolean,
    hook?: (secure: tls.TLSSocket) => void,
    close?: () => Promise<void>,
  ): Promise<Connection> => {
    const secure = await secureOver(duplex, hook);
    const chunks = awaitedChunks();
    let ragged = false;
    secure.on("data", chunks.give);
    secure.once("end", () => {
      ragged = transportEnded();
      chunks.end();
    });
    return {
      async download() {
        secure.write("D");
        const got = await drain(chunks.receive);
        if (ragged) throw new Error(`${name}: the transport ended before close_notify`);
        return got;
      },
      close: async () => {
        secure.destroy();
        await close?.();
      },
    };
  };
  /** node:tls over PortioDuplex on `stream`, ended as the session does (see the duplex variant). */
  const pumped = (stream: ConstructorParameters<typeof PortioDuplex>[0], close: () => Promise<void>): Promise<Connection> => {
    const duplex = new PortioDuplex(stream);
    // As the session does (NodeTLSTransport): nothing is fed after the TLS stream's end, and the
    // end is classified at node:tls's push(null).
    let ragged: boolean | undefined;
    duplex.tlsEnded = () => ragged !== undefined;
    return awaitedOver(
      duplex,
      () => ragged ?? duplex.rawEofDelivered,
      (secure) => {
        const push = secure.push;
        secure.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
          if (chunk === null) ragged ??= duplex.rawEofDelivered;
          return push.call(secure, chunk, encoding);
        };
      },
      close,
    );
  };
  /** A portio stream's download: sends the request, receives to the end, checks close_notify. */
  const received = (io: SocketStream | TLSStream, closeNotify: () => boolean, close: () => Promise<void>): Connection => ({
    async download() {
      await io.send(new Uint8Array([0x44]));
      const got = await drain(() => io.receive());
      if (!closeNotify()) throw new Error(`${name}: the transport ended before close_notify`);
      return got;
    },
    close,
  });
  const connect: Record<string, (port: number) => Promise<Connection>> = {
    async floor(port) {
      const duplex = new ConnDuplex(await Deno.connect({ hostname: "127.0.0.1", port }));
      const secure = await secureOver(duplex);
      return {
        download: () =>
          new Promise<number>((resolve, reject) => {
            let got = 0;
            secure.on("data", (chunk: Uint8Array) => {
              got += chunk.byteLength;
              receives++;
            });
            secure.once("end", () => (duplex.transportEnded ? reject(new Error("ragged")) : resolve(got)));
            secure.once("error", reject);
            secure.write("D");
          }),
        close: () => void secure.destroy(),
      };
    },
    async awaited(port) {
      const duplex = new ConnDuplex(await Deno.connect({ hostname: "127.0.0.1", port }));
      return awaitedOver(duplex, () => duplex.transportEnded);
    },
    async connpump(port) {
      const stream = connAsStream(await Deno.connect({ hostname: "127.0.0.1", port }));
      return pumped(stream, () => stream.aclose());
    },
    async corepump(port) {
      const stream = new SocketStream(connAsTransport(await Deno.connect({ hostname: "127.0.0.1", port })));
      return pumped(stream, () => stream.aclose());
    },
    async dst(port) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const stream = new SocketStream(new DenoStreamTransport(conn, { family: "inet" }));
      return pumped(stream, () => stream.aclose());
    },
    async coretcp(port) {
      const plain = await connectTcp("127.0.0.1", port);
      // core hands a SocketStream's transport to its backend only; a benchmark may look too.
      const conn = (plain as unknown as { transport: DenoStreamTransport }).transport.conn;
      const stream = new SocketStream(connAsTransport(conn));
      return pumped(stream, () => plain.aclose());
    },
    async duplex(port) {
      const stream = await connectTcp("127.0.0.1", port);
      return pumped(stream, () => stream.aclose());
    },
    async session(port) {
      const stream = await connectTcp("127.0.0.1", port);
      const options = { serverSide: false, hostname: "localhost", ca, verifyCertificate: true, verifyHostname: true };
      const extra = { requestClientCertificate: false, standardCompatible: true, unwrappable: false };
      const session = await wrapTls(stream, { ...options, ...extra }, undefined, "deno");
      const io = new SocketStream(session);
      return received(
        io,
        () => session.closeNotifyReceived,
        async () => {
          await io.aclose();
          await stream.aclose();
        },
      );
    },
    async tls(port) {
      const stream = await connectTcp("127.0.0.1", port, { tls: { ca }, tlsHostname: "localhost" });
      // TLSStream's receive itself rejects a ragged EOF (standardCompatible).
      return received(
        stream,
        () => true,
        () => stream.aclose(),
      );
    },
  };
  const open = connect[name];
  if (open === undefined) throw new Error(`unknown variant ${name}`);
  const warmServer = await startServer(warm, { cert, key });
  for (let i = 0; i < 2; i++) {
    const connection = await open(warmServer.port);
    const got = await connection.download();
    await connection.close();
    if (got !== warm * 1024 * 1024) throw new Error(`${name}: ${got} of ${warm} MiB`);
  }
  const server = await startServer(mib, { cert, key });
  // Without --connections, the window is one download; with it, that many connections, each
  // connected, downloaded and closed inside the window (what a connection costs besides its bytes).
  const whole = connections > 0;
  const connection = whole ? undefined : await open(server.port);
  const input = Deno.stdin.readable.getReader();
  console.log("READY");
  await input.read();
  receives = 0;
  const faults0 = minorFaults();
  const cpu0 = process.cpuUsage();
  let got = 0;
  if (connection !== undefined) got = await connection.download();
  for (let i = 0; i < connections; i++) {
    const each = await open(server.port);
    got += await each.download();
    await each.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const faults = minorFaults() - faults0;
  console.log(`DONE ${cpu.user + cpu.system} ${cpu.user} ${cpu.system} ${faults} ${receives} ${faults0}`);
  await input.read();
  if (got !== Math.max(connections, 1) * mib * 1024 * 1024) throw new Error(`${name}: ${got} bytes, not ${mib} MiB each`);
  await connection?.close();
  warmServer.child.kill();
  server.child.kill();
  Deno.exit(0);
}

// Last: the classes above are initialized by then.
if (args[0] === "--child") await child(args[1]!, Number(args[2]), Number(args[3]), Number(args[4]));
else await parent();
