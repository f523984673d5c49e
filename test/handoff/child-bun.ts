import { bunBackend } from "@portio/bun";
import { main } from "./child.js";

await main(bunBackend);
