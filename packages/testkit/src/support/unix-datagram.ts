import {
  createConnectedUnixDatagramSocket,
  createUnixDatagramSocket,
  type ConnectedUNIXDatagramSocket,
  type SocketAddress,
  type UNIXDatagramSocket,
  type UNIXDatagramOptions,
} from "@portio/core";
import { deepEqual, fail } from "../assert.ts";
import type { CaseDefinition } from "../case.ts";
import type { CaseContext } from "../context.ts";
import { text, utf8 } from "./bytes.ts";
import type { UNIXPathKind } from "./unix.ts";

/** How a case passes a Unix path to portio: as a string, or as its UTF-8 bytes (AnyIO's str / bytes params). */
export type PathForm = "str" | "bytes";

/** `path` in the given form. */
export function inForm(path: string, form: PathForm): string | Uint8Array {
  return form === "str" ? path : utf8(path);
}

/** A Unix address as bytes, whichever form it came in (Python's `os.fsencode`, which AnyIO's tests compare with). */
export function fsencode(address: SocketAddress): Uint8Array {
  if (typeof address === "string") return utf8(address);
  if (address instanceof Uint8Array) return address;
  return fail(`not a Unix socket address: ${JSON.stringify(address)}`);
}

/** An unconnected Unix datagram socket, closed after the case. */
export async function unixDatagram(t: CaseContext, options: UNIXDatagramOptions = {}): Promise<UNIXDatagramSocket> {
  return t.use(await createUnixDatagramSocket(options));
}

/** A Unix datagram socket connected to `remote`, closed after the case. */
export async function connectedUnixDatagram(
  t: CaseContext,
  remote: string | Uint8Array,
  options: UNIXDatagramOptions = {},
): Promise<ConnectedUNIXDatagramSocket> {
  return t.use(await createConnectedUnixDatagramSocket(remote, options));
}

/** One case per path kind and path form, named `name[kind,form]` as AnyIO's ids read. */
export function perKindAndForm(
  name: string,
  description: string,
  run: (t: CaseContext, kind: UNIXPathKind, form: PathForm) => Promise<void>,
): CaseDefinition[] {
  return (["path", "abstract"] as const).flatMap((kind) =>
    (["str", "bytes"] as const).map((form) => ({
      name: `${name}[${kind},${form}]`,
      description,
      ...(kind === "abstract" ? { requires: ["abstractUnix"] as const } : {}),
      run: (t: CaseContext) => run(t, kind, form),
    })),
  );
}

/**
 * Sends `count` numbered datagrams with `send` while `receive` takes them, and checks that all
 * arrive in order: a sender that outruns its receiver must wait for room, not lose datagrams.
 */
export async function allArriveInOrder(
  t: CaseContext,
  send: (data: Uint8Array) => Promise<void>,
  receive: () => Promise<Uint8Array>,
  count = 200,
): Promise<void> {
  const sending = (async () => {
    for (let i = 0; i < count; i++) await send(utf8(String(i)));
  })();
  t.defer(() => sending.catch(() => {}));
  const got: string[] = [];
  for (let i = 0; i < count; i++) got.push(text(await receive()));
  await sending;
  deepEqual(
    got,
    Array.from({ length: count }, (_, i) => String(i)),
    "datagrams received",
  );
}
