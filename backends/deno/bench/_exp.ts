import { connectTcp, createTcpListener, setBackend, SocketAttribute, type SocketStream } from "@portio/core";
import { denoBackend } from "@portio/deno";
setBackend(denoBackend);
const BULK = 512 * 1024 * 1024;
const CHUNK = new Uint8Array(65536);
const mode = Deno.args[0]!;
async function portioPair(): Promise<[SocketStream, SocketStream, () => Promise<void>]> {
  const listener = await createTcpListener({ localHost: "127.0.0.1" });
  const only = listener.listeners[0]!;
  const [client, server] = await Promise.all([connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort)), only.accept()]);
  return [client as SocketStream, server, () => listener.aclose()];
}
async function rawPair(): Promise<[Deno.TcpConn, Deno.TcpConn, () => void]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }), listener.accept()]);
  client.setNoDelay(true); (server as Deno.TcpConn).setNoDelay(true);
  return [client, server as Deno.TcpConn, () => listener.close()];
}
async function run(): Promise<number> {
  if (mode === "raw") {
    const [client, server, close] = await rawPair();
    const start = performance.now();
    const sending = (async () => { for (let s = 0; s < BULK; s += CHUNK.length) { let off = 0; while (off < CHUNK.length) off += await client.write(CHUNK.subarray(off)); } await client.closeWrite(); })();
    const buffer = new Uint8Array(65536); let got = 0;
    for (;;) { const n = await server.read(buffer); if (n === null) break; got += n; }
    await sending; const s = (performance.now() - start) / 1000; client.close(); server.close(); close(); return BULK / s / 1e6;
  }
  const [client, server, close] = await portioPair();
  const start = performance.now();
  const sending = mode === "rawsend"
    ? (async () => { const c = (client as any).transport.conn as Deno.TcpConn; for (let s = 0; s < BULK; s += CHUNK.length) { let off = 0; while (off < CHUNK.length) off += await c.write(CHUNK.subarray(off)); } await c.closeWrite(); })()
    : (async () => { for (let s = 0; s < BULK; s += CHUNK.length) await client.send(CHUNK); await client.sendEof(); })();
  let got = 0;
  if (mode === "iter" || mode === "rawsend") { for await (const chunk of server) got += chunk.length; }
  else if (mode === "receive") { for (;;) { try { got += (await server.receive()).length; } catch { break; } } }
  else if (mode === "transport") { const t = (server as any).transport; for (;;) { const c = await t.read(); if (c === null) break; got += c.length; } }
  await sending; const s = (performance.now() - start) / 1000;
  await client.aclose(); await server.aclose(); await close(); return BULK / s / 1e6;
}
const rs: number[] = []; for (let r = 0; r < 7; r++) rs.push(await run());
const sorted = [...rs].sort((a, b) => a - b);
console.log(mode, "median", sorted[3]!.toFixed(0), rs.map((x) => x.toFixed(0)).join(" "));
