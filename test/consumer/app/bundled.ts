/** Bundled with esbuild into one file (portio and its backend inlined; koffi stays a package). */
import { socketpair } from "portio";

const [a, b] = await socketpair();
await a.send(new TextEncoder().encode("hello from a bundle"));
const text = new TextDecoder().decode(await b.receive());
await a.aclose();
await b.aclose();
if (text !== "hello from a bundle") throw new Error(`bundled socketpair got ${text}`);
console.log("bundle: socketpair ok");
