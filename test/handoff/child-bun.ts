import { bunBackend } from "@portio/bun";
import { main } from "./child.ts";

await main(bunBackend);
