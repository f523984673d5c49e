import { nodeBackend } from "@portio/node";
import { main } from "./child.ts";

await main(nodeBackend);
