import { connectUnix, createUnixListener, type UNIXSocketStream } from "@portio/core";
import type { CaseDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { concat, utf8 } from "./bytes.ts";

/** How a case names its Unix socket: a file in a temporary directory, or a Linux abstract name. */
export type UNIXPathKind = "path" | "abstract";

/** A socket address for a case, in the form passed to portio and the form portio reports it in. */
export interface UNIXPath {
  kind: UNIXPathKind;
  /** What the case passes to `createUnixListener` / `connectUnix`. */
  path: string;
  /** What `SocketAttribute.localAddress`/`remoteAddress` must report: the path, or bytes for abstract names. */
  reported: string | Uint8Array;
}

/** A fresh socket path of the given kind (the directory is removed after the case). */
export async function unixPath(t: CaseContext, kind: UNIXPathKind = "path"): Promise<UNIXPath> {
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
  kind: UNIXPathKind = "path",
): Promise<[UNIXSocketStream, UNIXSocketStream, UNIXPath]> {
  const address = await unixPath(t, kind);
  const listener = t.use(await createUnixListener(address.path));
  const [client, server] = await Promise.all([connectUnix(address.path), listener.accept()]);
  return [t.use(client), t.use(server), address];
}

/** One case per kind of socket name; the abstract one requires Linux's abstract namespace. */
export function perPathKind(
  name: string,
  description: string,
  run: (t: CaseContext, kind: UNIXPathKind) => Promise<void>,
): CaseDefinition[] {
  return (["path", "abstract"] as const).map((kind) => ({
    name: `${name}[${kind}]`,
    description,
    ...(kind === "abstract" ? { requires: ["abstractUnix"] as const } : {}),
    run: (t: CaseContext) => run(t, kind),
  }));
}

/** A path in a fresh directory whose last bytes are not valid UTF-8 (AnyIO appends b"\xf0"). */
export async function nonUtf8Path(t: CaseContext): Promise<Uint8Array> {
  return concat([utf8(`${await t.tempDir()}/socket`), new Uint8Array([0xf0])]);
}
