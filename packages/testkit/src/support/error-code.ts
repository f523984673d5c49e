/**
 * Reading the runtime's error out of a portio error's `cause`. Node and Bun report POSIX codes in
 * `code`; Deno's own errors carry a class name instead, so the few codes the cases look for are
 * also recognised by that name.
 */

const DENO_ERROR_NAMES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
  ENOENT: "NotFound",
  EPIPE: "BrokenPipe",
  EADDRINUSE: "AddrInUse",
};

/** The POSIX-style code of `error` (`"ECONNREFUSED"`, …), if it carries one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const name = (error as { name?: unknown }).name;
  for (const [posix, denoName] of Object.entries(DENO_ERROR_NAMES)) if (name === denoName) return posix;
  return undefined;
}
