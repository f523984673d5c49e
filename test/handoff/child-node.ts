import { nodeBackend } from "@portio/node";
import { main } from "./child.js";

await main(nodeBackend);
