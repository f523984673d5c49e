/**
 * Deno's permission model meets portio: which flag each feature needs, and errors that name it.
 *
 * | feature | flags |
 * |---|---|
 * | TCP connect / listen, `getaddrinfo` | `--allow-net` |
 * | Unix stream sockets | `--allow-read` and `--allow-write` (for the path) |
 * | UDP, Unix datagrams, `socketpair`, `inspectSocket`, adoption of datagram fds | `--allow-ffi` (libc through `Deno.dlopen`) |
 * | adoption of stream fds | none (node:net) beyond `--allow-ffi` for detecting the socket's kind |
 * | `reusePort` on TCP listeners | `--unstable-net` |
 *
 * @module
 */

/** The flags a missing permission can be granted with. */
export type PermissionFlag = "--allow-net" | "--allow-read" | "--allow-write" | "--allow-ffi" | "--allow-env" | "--unstable-net";

/**
 * Whether `error` is Deno's "permission missing" error (`NotCapable` since Deno 2;
 * `PermissionDenied` before, which Deno 2 keeps for OS-level EACCES only).
 */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable;
}

/**
 * Runs `action`; when Deno refuses it for a missing permission, rethrows a `Deno.errors.NotCapable`
 * whose message says which portio feature needed which flag (Deno's own message, kept as
 * `cause`, names the resource). `instanceof Deno.errors.NotCapable` keeps working for callers.
 *
 * @example
 * ```ts
 * const conn = await withPermission("TCP connections", "--allow-net", () => Deno.connect({ hostname, port }));
 * ```
 */
export async function withPermission<T>(feature: string, flag: PermissionFlag, action: () => Promise<T> | T): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw permissionError(error, feature, flag) ?? error;
  }
}

/** The synchronous form of {@link withPermission}. */
export function withPermissionSync<T>(feature: string, flag: PermissionFlag, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw permissionError(error, feature, flag) ?? error;
  }
}

function permissionError(error: unknown, feature: string, flag: PermissionFlag): Error | undefined {
  if (!isPermissionError(error)) return undefined;
  // Deno names the flag in its message when it knows it; ours says it for the feature, so that
  // "--allow-read" next to a socket path does not look like a Deno quirk.
  const detail = (error as Error).message;
  const named = /--allow-[a-z]+/.exec(detail)?.[0] ?? flag;
  return new Deno.errors.NotCapable(
    `portio's Deno backend needs ${named} for ${feature}; run deno with ${named} (Deno said: ${detail})`,
    { cause: error },
  );
}

/** Whether this Deno runs with `--unstable-net` (its unstable network APIs only exist then). */
export function hasUnstableNet(): boolean {
  return typeof (Deno as unknown as { listenDatagram?: unknown }).listenDatagram === "function";
}

/**
 * Whether this Deno may call into libc (`--allow-ffi`), asked without prompting.
 *
 * @example
 * ```ts
 * if (hasFfiPermission()) useLibc();
 * ```
 */
export function hasFfiPermission(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}
