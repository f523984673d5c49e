/** `@portio/libc-socket` as a module object: what {@link loadLibcSocket} resolves to. */
export type LibcSocketModule = typeof import("@portio/libc-socket");

/**
 * `@portio/libc-socket`, imported on first use rather than with portio: only Unix sockets,
 * `socketpair()` and adoption need it, and it added about 0.9 MB (Node 20) to 1.1 MB (Node 24)
 * to the heap of every program that imports portio. Node 24 marks that heap again in each of the
 * mark-compacts that a bulk receive's 64 KiB read buffers set off (see loadNodeTls).
 *
 * @example
 * ```ts
 * const { libcConnectUnix } = await loadLibcSocket();
 * const transport = await libcConnectUnix(getBinder(), "/run/app.sock", signal, "/run/app.sock");
 * ```
 */
export function loadLibcSocket(): Promise<LibcSocketModule> {
  return (libcSocketModule ??= import("@portio/libc-socket"));
}

let libcSocketModule: Promise<LibcSocketModule> | undefined;
