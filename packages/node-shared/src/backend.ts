/**
 * A backend built from its parts: the members that are the same wherever node:dns, node:tls and a
 * libc binder exist (all of portio's runtimes) are filled here once; a backend gives only what
 * its runtime does itself and overrides a shared member where its own objects do better.
 *
 * @module
 */

import type { AsyncBackend } from "@portio/core/backend";
import type { LibcAdoption, LibcBinder, UnixDatagramSockets } from "@portio/libc-socket";
import { getaddrinfo, getnameinfo } from "./dns.ts";
import { loadLibcSocket } from "./libc-socket.ts";
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
 * (libc-socket's `libcAdoption`), all over the binder `getBinder` returns (called on first use
 * only; libc-socket itself is imported then too, see {@link loadLibcSocket}).
 *
 * @example
 * ```ts
 * export const myBackend = defineBackend("mine", getMyBinder, { connectTcp, connectUnix, ... });
 * ```
 */
export function defineBackend(name: string, getBinder: () => LibcBinder, parts: RuntimeParts): AsyncBackend {
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  let adoptionMade: Promise<LibcAdoption> | undefined;
  const adoption = () => (adoptionMade ??= loadLibcSocket().then((libc) => libc.libcAdoption(label, getBinder)));
  let unixDatagramMade: Promise<UnixDatagramSockets> | undefined;
  const unixDatagram = () =>
    (unixDatagramMade ??= loadLibcSocket().then((libc) => libc.unixDatagramSockets(getBinder, nodeSocketFiles)));
  return {
    name,
    getaddrinfo,
    getnameinfo,
    socketpair: socketpairWith(getBinder),
    wrapTls: (stream, options, native) => wrapTls(stream, options, native, name),
    createUnixDatagramSocket: async (options) => (await unixDatagram()).createUnixDatagramSocket(options),
    createConnectedUnixDatagramSocket: async (remotePath, options) =>
      (await unixDatagram()).createConnectedUnixDatagramSocket(remotePath, options),
    // Synchronous, so not through libc-socket: the binder alone closes an fd.
    closeFd: (fd) => {
      getBinder().close(fd);
    },
    inspectSocket: async (fd) => (await adoption()).inspectSocket(fd),
    waitForConnect: async (source, options) => (await adoption()).waitForConnect(source, options),
    wrapUnixStreamSocket: async (source, info) => (await adoption()).wrapUnixStreamSocket(source, info),
    wrapUdpSocket: async (source, info) => (await adoption()).wrapUdpSocket(source, info),
    wrapConnectedUdpSocket: async (source, info) => (await adoption()).wrapConnectedUdpSocket(source, info),
    wrapUnixDatagramSocket: async (source, info) => (await adoption()).wrapUnixDatagramSocket(source, info),
    wrapConnectedUnixDatagramSocket: async (source, info) => (await adoption()).wrapConnectedUnixDatagramSocket(source, info),
    ...parts,
  };
}
