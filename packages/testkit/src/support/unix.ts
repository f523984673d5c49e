import { connectUnix, createUnixListener, type UNIXSocketStream } from "@portio/core";
import type { CaseContext } from "../context.js";
import { utf8 } from "./bytes.js";

/** How a case names its Unix socket: a file in a temporary directory, or a Linux abstract name. */
export type UnixPathKind = "path" | "abstract";

/** A socket address for a case, in the form passed to portio and the form portio reports it in. */
export interface UnixPath {
  kind: UnixPathKind;
  /** What the case passes to `createUnixListener` / `connectUnix`. */
  path: string;
  /** What `SocketAttribute.localAddress`/`remoteAddress` must report: the path, or bytes for abstract names. */
  reported: string | Uint8Array;
}

/** A fresh socket path of the given kind (the directory is removed after the case). */
export async function unixPath(t: CaseContext, kind: UnixPathKind = "path"): Promise<UnixPath> {
  if (kind === "abstract") {
    // A random name, since the abstract namespace is shared by the whole machine.
    const path = `\0portio-${crypto.randomUUID()}`;
    return { kind, path, reported: utf8(path) };
  }
  const path = `${await t.tempDir()}/socket`;
  return { kind, path, reported: path };
}

/** A connected Unix stream pair: `[client, server]`, both closed after the case. */
export async function unixPair(
  t: CaseContext,
  kind: UnixPathKind = "path",
): Promise<[UNIXSocketStream, UNIXSocketStream, UnixPath]> {
  const address = await unixPath(t, kind);
  const listener = t.use(await createUnixListener(address.path));
  const [client, server] = await Promise.all([connectUnix(address.path), listener.accept()]);
  return [t.use(client), t.use(server), address];
}

