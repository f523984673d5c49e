import { UnsupportedError } from "@portio/core";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The path as the string `Bun.connect({ unix })` / `Bun.listen({ unix })` need. Abstract names
 * keep their leading NUL, which Bun passes through on Linux.
 *
 * @throws UnsupportedError for bytes that are not valid UTF-8
 * @example
 * ```ts
 * unixPathToString(new TextEncoder().encode("/tmp/a.sock")); // "/tmp/a.sock"
 * ```
 */
export function unixPathToString(path: string | Uint8Array): string {
  if (typeof path === "string") return path;
  try {
    return strictUtf8.decode(path);
  } catch {
    throw new UnsupportedError(
      "the Bun backend cannot use Unix stream socket paths that are not valid UTF-8: Bun.connect and " +
        "Bun.listen take the path as a string; use a UTF-8 path",
    );
  }
}
