import { denoBackend } from "@portio/deno";
import { main } from "./child.ts";

await main(denoBackend);
