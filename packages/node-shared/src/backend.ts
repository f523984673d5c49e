/**
 * A backend built from its parts: the members that are the same wherever node:dns, node:tls and a
 * libc binder exist (all of portio's runtimes) are filled here once; a backend gives only what
 * its runtime does itself and overrides a shared member where its own objects do better.
 *
 * @module
 */

import type { AsyncBackend } from "@portio/core/backend";
import { libcAdoption, unixDatagramSockets, type LibcAdoption, type LibcBinder } from "@portio/libc-socket";
import { getaddrinfo, getnameinfo } from "./dns.ts";
import { nodeSocketFiles } from "./socket-files.ts";
import { socketpairWith } from "./socketpair.ts";
import { wrapTls } from "./tls.ts";

/** The members {@link defineBackend} fills; a backend may still give its own. */
export type SharedMember =
  | "getaddrinfo"
  | "getnameinfo"
  | "socketpair"
  | "wrapTls"
  | "createUnixDatagramSocket"
  | "createConnectedUnixDatagramSocket"
  | keyof LibcAdoption;

/** What a backend gives {@link defineBackend}: its runtime's own members, and any shared one it does better. */
export type RuntimeParts = Omit<AsyncBackend, SharedMember | "name"> & Partial<Pick<AsyncBackend, SharedMember>>;

/**
 * The backend called `name` (`"node"`, `"deno"`, ...): `parts` over the shared members, which are
 * name resolution through node:dns (`getaddrinfo`, `getnameinfo`), `socketpair()` and Unix
 * datagram sockets through libc, TLS on node:tls, and adoption through libc
 * ({@link libcAdoption}), all over the binder `getBinder` returns (called on first use only).
 *
 * @example
 * ```ts
 * export const myBackend = defineBackend("mine", getMyBinder, { connectTcp, connectUnix, ... });
 * ```
 */
export function defineBackend(name: string, getBinder: () => LibcBinder, parts: RuntimeParts): AsyncBackend {
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  return {
    name,
    getaddrinfo,
    getnameinfo,
    socketpair: socketpairWith(getBinder),
    wrapTls: (stream, options, native) => wrapTls(stream, options, native, name),
    ...unixDatagramSockets(getBinder, nodeSocketFiles),
    ...libcAdoption(label, getBinder),
    ...parts,
  };
}
