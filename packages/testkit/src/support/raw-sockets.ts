import { InvalidSocketError, type AsyncResource } from "@portio/core";
import { equal, fail, rejects } from "../assert.ts";
import type { CaseContext } from "../context.ts";
import type { RawSocketFactory, RawSocketState } from "../harness.ts";

/** A raw socket made for a case: its fd and its peers' fds, closed after the case unless adopted. */
export interface RawHandle {
  fd: number;
  peerFds: number[];
  /**
   * Hands `resource` (the wrapper that adopted one of this handle's fds) to the case scope: the
   * wrapper now owns that fd, so the cleanup closes the wrapper instead of the fd.
   */
  adopted<T extends AsyncResource>(fd: number, resource: T): T;
  /** Takes `fd` out of the cleanup (the case closed it itself). */
  forget(fd: number): void;
}

/** The harness's factory; only called by cases that require the `rawSockets` capability. */
export function factory(t: CaseContext): RawSocketFactory {
  return t.harness.rawSockets ?? fail("the harness has no rawSockets factory");
}

/** A raw socket in `state`, every fd of it closed after the case unless a wrapper took it over. */
export async function rawSocket(
  t: CaseContext,
  family: "inet" | "inet6" | "unix",
  type: "stream" | "dgram",
  state: RawSocketState = {},
): Promise<RawHandle> {
  const raw = await factory(t).create(family, type, state);
  const owned = new Set([raw.fd, ...raw.peerFds]);
  t.defer(async () => {
    for (const fd of owned) await factory(t).close(fd);
  });
  return {
    fd: raw.fd,
    peerFds: raw.peerFds,
    adopted(fd, resource) {
      // Closing the fd ourselves after the wrapper did could close an fd number reused since.
      owned.delete(fd);
      return t.use(resource);
    },
    forget(fd) {
      owned.delete(fd);
    },
  };
}

/** The peer fd of a connected raw socket. */
export function peerOf(raw: RawHandle): number {
  return raw.peerFds[0] ?? fail("the raw socket has no peer fd");
}

/** An open fd that is not a socket, closed after the case. */
export async function nonSocketFd(t: CaseContext): Promise<number> {
  const fd = await factory(t).openNonSocketFd(await t.tempDir());
  t.defer(() => factory(t).close(fd));
  return fd;
}

/**
 * Asserts that adopting `fd` is refused with `InvalidSocketError` of `code` and a message
 * matching `message`, AND the ownership rule of a refusal: the fd is still open and its
 * O_NONBLOCK flag is what it was before.
 */
export async function expectRefused(
  t: CaseContext,
  fd: number,
  attempt: () => Promise<unknown>,
  code: InvalidSocketError["code"],
  message: string | RegExp,
): Promise<void> {
  const raw = factory(t);
  const nonBlocking = await raw.isNonBlocking(fd);
  const error = await rejects(attempt, InvalidSocketError, message);
  equal(error.code, code, `InvalidSocketError code (message: ${error.message})`);
  equal(await raw.isOpen(fd), true, "the refused fd is still open");
  equal(await raw.isNonBlocking(fd), nonBlocking, "O_NONBLOCK of the refused fd is unchanged");
}

/** Asserts that `fd` was closed by the time the wrapper's `aclose()` resolved. */
export async function expectReleased(t: CaseContext, fd: number): Promise<void> {
  equal(await factory(t).isOpen(fd), false, `fd ${fd} still open after aclose() resolved`);
}
