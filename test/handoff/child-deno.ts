import { denoBackend } from "@portio/deno";
import { main } from "./child.js";

await main(denoBackend);
