import process from "node:process";
import { connectTcp, createTcpListener, setBackend, SocketAttribute, type SocketStream } from "@portio/core";
import { denoBackend } from "@portio/deno";
setBackend(denoBackend);
const BULK = Number(Deno.env.get("BULK_MIB") ?? 256) * 1024 * 1024;
const CHUNK = new Uint8Array(65536);
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
async function rawSend(c: Deno.TcpConn) { for (let s = 0; s < BULK; s += CHUNK.length) { let off = 0; while (off < CHUNK.length) off += await c.write(CHUNK.subarray(off)); } await c.closeWrite(); }
const modes: Record<string, () => Promise<number>> = {
  rawReuse: async () => {
    const [client, server, close] = await rawPair(); const sending = rawSend(client);
    const buffer = new Uint8Array(65536); let got = 0;
    for (;;) { const n = await server.read(buffer); if (n === null) break; got += n; }
    await sending; client.close(); server.close(); close(); return got;
  },
  rawSlab: async () => {
    const [client, server, close] = await rawPair(); const sending = rawSend(client);
    let slab = new Uint8Array(1 << 20), off = 0; let got = 0;
    for (;;) { if (slab.length - off < 16384) { slab = new Uint8Array(1 << 20); off = 0; } const n = await server.read(slab.subarray(off, off + 65536)); if (n === null) break; const v = slab.subarray(off, off + n); off += n; got += v.length; }
    await sending; client.close(); server.close(); close(); return got;
  },
  transport: async () => {
    const [client, server, close] = await portioPair(); const sending = rawSend((client as any).transport.conn);
    const t = (server as any).transport; let got = 0;
    for (;;) { const c = await t.read(); if (c === null) break; got += c.length; }
    await sending; await client.aclose(); await server.aclose(); await close(); return got;
  },
  receive: async () => {
    const [client, server, close] = await portioPair(); const sending = rawSend((client as any).transport.conn);
    let got = 0;
    for (;;) { let c; try { c = await server.receive(); } catch { break; } got += c.length; }
    await sending; await client.aclose(); await server.aclose(); await close(); return got;
  },
  portio: async () => {
    const [client, server, close] = await portioPair();
    const sending = (async () => { for (let s = 0; s < BULK; s += CHUNK.length) await client.send(CHUNK); await client.sendEof(); })();
    let got = 0; for await (const chunk of server) got += chunk.length;
    await sending; await client.aclose(); await server.aclose(); await close(); return got;
  },
};
const res: Record<string, number[]> = {}; const cpu: Record<string, number[]> = {};
for (let r = 0; r < Number(Deno.env.get("ROUNDS") ?? 7); r++) for (const [k, f] of Object.entries(modes)) {
  const t = performance.now(); const c0 = process.cpuUsage(); const got = await f(); const c = process.cpuUsage(c0);
  if (got !== BULK) throw new Error(k);
  (res[k] ??= []).push(BULK / ((performance.now() - t) / 1000) / 1e6); (cpu[k] ??= []).push((c.user + c.system) / 1e3);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const k of Object.keys(modes)) console.log(k.padEnd(10), "MB/s", median(res[k]!).toFixed(0), "ratio/round", median(res[k]!.map((x, i) => x / res.rawReuse![i]!)).toFixed(3), "cpu ms", median(cpu[k]!).toFixed(0));
