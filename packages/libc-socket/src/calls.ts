/**
 * Checked libc calls over a binder: the out-parameter buffers, the errno check and the decoding
 * that every caller would otherwise repeat. Each throws a {@link SystemError} on failure.
 *
 * @module
 */

import type { LibcBinder } from "./binder.ts";
import { constantsFor } from "./constants.ts";
import { lastError } from "./errno.ts";
import { decodeSockaddr, type DecodedSockaddr } from "./sockaddr.ts";

// One set of scratch buffers is enough: binder calls are synchronous on the JS thread, and every
// result is decoded or copied out before the next call.
const addr = new Uint8Array(128);
const addrLength = new Uint8Array(4);
const addrLengthView = new DataView(addrLength.buffer);
const option = new Uint8Array(256);
const optionView = new DataView(option.buffer);
const optionLength = new Uint8Array(4);
const optionLengthView = new DataView(optionLength.buffer);

/** A `socklen_t` in/out buffer set to `value`, reused (see above). */
export function socklen(value: number): Uint8Array {
  addrLengthView.setUint32(0, value, true);
  return addrLength;
}

/** The value the kernel wrote back into the buffer from {@link socklen}. */
export function socklenResult(): number {
  return addrLengthView.getUint32(0, true);
}

/** The shared sockaddr scratch buffer (sockaddr_storage-sized). */
export function sockaddrScratch(): Uint8Array {
  return addr;
}

/** `getsockopt` of an `int` option. */
export function getsockoptInt(binder: LibcBinder, fd: number, level: number, name: number): number {
  optionLengthView.setUint32(0, 4, true);
  if (binder.getsockopt(fd, level, name, option, optionLength) === -1) throw lastError(binder, "getsockopt");
  return optionView.getInt32(0, true);
}

/** `getsockopt` of a struct option: a copy of the first `size` (≤ 256) bytes the kernel wrote. */
export function getsockoptBytes(binder: LibcBinder, fd: number, level: number, name: number, size: number): Uint8Array {
  option.fill(0, 0, size);
  optionLengthView.setUint32(0, size, true);
  if (binder.getsockopt(fd, level, name, option, optionLength) === -1) throw lastError(binder, "getsockopt");
  return option.slice(0, Math.min(size, optionLengthView.getUint32(0, true)));
}

/** `setsockopt` of an `int` option. */
export function setsockoptInt(binder: LibcBinder, fd: number, level: number, name: number, value: number): void {
  optionView.setInt32(0, value, true);
  if (binder.setsockopt(fd, level, name, option, 4) === -1) throw lastError(binder, "setsockopt");
}

/** `getsockname`, decoded. */
export function getsockname(binder: LibcBinder, fd: number): DecodedSockaddr {
  addr.fill(0);
  if (binder.getsockname(fd, addr, socklen(addr.length)) === -1) throw lastError(binder, "getsockname");
  return decodeSockaddr(constantsFor(binder.platform), addr, socklenResult());
}

/** `getpeername`, decoded; throws ENOTCONN for a socket without a peer. */
export function getpeername(binder: LibcBinder, fd: number): DecodedSockaddr {
  addr.fill(0);
  if (binder.getpeername(fd, addr, socklen(addr.length)) === -1) throw lastError(binder, "getpeername");
  return decodeSockaddr(constantsFor(binder.platform), addr, socklenResult());
}

/** `fcntl`, checked. */
export function fcntl(binder: LibcBinder, fd: number, cmd: number, arg: number): number {
  const result = binder.fcntl(fd, cmd, arg);
  if (result === -1) throw lastError(binder, "fcntl");
  return result;
}

/** Sets or clears O_NONBLOCK; returns whether it was set before. */
export function setNonBlocking(binder: LibcBinder, fd: number, on: boolean): boolean {
  const C = constantsFor(binder.platform);
  const flags = fcntl(binder, fd, C.F_GETFL, 0);
  const was = (flags & C.O_NONBLOCK) !== 0;
  if (was !== on) fcntl(binder, fd, C.F_SETFL, on ? flags | C.O_NONBLOCK : flags & ~C.O_NONBLOCK);
  return was;
}

/** Sets FD_CLOEXEC (for platforms where it cannot be requested when the fd is made). */
export function setCloseOnExec(binder: LibcBinder, fd: number): void {
  const C = constantsFor(binder.platform);
  const flags = fcntl(binder, fd, C.F_GETFD, 0);
  if ((flags & C.FD_CLOEXEC) === 0) fcntl(binder, fd, C.F_SETFD, flags | C.FD_CLOEXEC);
}
