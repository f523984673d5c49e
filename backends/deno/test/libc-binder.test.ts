/**
 * The Deno libc binder opens libc in two groups (what adoption and inspection call, and the rest),
 * each on first use. errno must be right whichever group a process opens first: a failed call's
 * errno is read right after it, and opening a library then could overwrite it.
 */
import { constantsFor } from "@portio/libc-socket";
import { expect, it } from "vitest";
import { createDenoBinder } from "../src/libc-binder.ts";

const { EBADF, ENOTSOCK } = constantsFor(Deno.build.os === "darwin" ? "darwin" : "linux").errno;

it("errno after a failed inspection call is the call's, with nothing of libc opened before", () => {
  const binder = createDenoBinder();
  const value = new Uint8Array(4);
  const length = Uint32Array.of(4);
  expect(binder.getsockopt(-1, 1, 3, value, new Uint8Array(length.buffer))).toBe(-1);
  expect(binder.errno()).toBe(EBADF);
});

it("errno after a failed socket call is the call's, with nothing of libc opened before", () => {
  const binder = createDenoBinder();
  expect(binder.listen(-1, 1)).toBe(-1);
  expect(binder.errno()).toBe(EBADF);
  // Then a call of the other group, on an fd that is open but no socket (stdin of this process is
  // whatever the runner gave it; a pipe made here is surely no socket).
  const fds = new Int32Array(2);
  expect(binder.pipe(new Uint8Array(fds.buffer))).toBe(0);
  try {
    expect(binder.getsockname(fds[0]!, new Uint8Array(128), new Uint8Array(Uint32Array.of(128).buffer))).toBe(-1);
    expect(binder.errno()).toBe(ENOTSOCK);
  } finally {
    binder.close(fds[0]!);
    binder.close(fds[1]!);
  }
});
