/**
 * Every OS number this package uses, for Linux and macOS side by side, so that a port to another
 * Unix is one more table here and nothing else. Values come from the system headers (glibc /
 * linux uapi; macOS SDK `sys/socket.h`, `sys/errno.h`, `netinet/tcp.h`, `sys/fcntl.h`).
 *
 * Only 64-bit little-endian ABIs are covered (x86-64 and arm64 on both systems): struct layouts
 * below (`msghdr`, `pollfd`) and the host-order fields of sockaddrs assume them.
 *
 * @example
 * ```ts
 * import { constantsFor } from "@portio/libc-socket";
 * const C = constantsFor("linux");
 * C.SOL_SOCKET; // 1 (macOS: 0xffff)
 * ```
 * @module
 */

/** The operating systems this package has numbers for. */
export type LibcPlatform = "linux" | "darwin";

/** One platform's numbers. A field that the platform lacks is `undefined` (see its doc). */
export interface SocketConstants {
  /** The operating system these numbers are for. */
  readonly platform: LibcPlatform;

  // address families
  /** The platform's `AF_UNSPEC`. */
  readonly AF_UNSPEC: number;
  /** The platform's `AF_UNIX`. */
  readonly AF_UNIX: number;
  /** The platform's `AF_INET`. */
  readonly AF_INET: number;
  /** Linux 10, macOS 30. */
  readonly AF_INET6: number;

  // socket types and socket() flags
  /** The platform's `SOCK_STREAM`. */
  readonly SOCK_STREAM: number;
  /** The platform's `SOCK_DGRAM`. */
  readonly SOCK_DGRAM: number;
  /** The platform's `SOCK_SEQPACKET`. */
  readonly SOCK_SEQPACKET: number;
  /** Linux only: OR-ed into `socket()`'s type. macOS needs a separate `fcntl(O_NONBLOCK)`. */
  readonly SOCK_NONBLOCK: number | undefined;
  /** Linux only: OR-ed into `socket()`'s type. macOS needs a separate `fcntl(F_SETFD, FD_CLOEXEC)`. */
  readonly SOCK_CLOEXEC: number | undefined;

  // socket options
  /** The platform's `SOL_SOCKET`. */
  readonly SOL_SOCKET: number;
  /** The platform's `SO_REUSEADDR`. */
  readonly SO_REUSEADDR: number;
  /** The platform's `SO_REUSEPORT`. */
  readonly SO_REUSEPORT: number;
  /** The platform's `SO_TYPE`. */
  readonly SO_TYPE: number;
  /** The platform's `SO_ERROR`. */
  readonly SO_ERROR: number;
  /** The platform's `SO_SNDBUF`. */
  readonly SO_SNDBUF: number;
  /** The platform's `SO_RCVBUF`. */
  readonly SO_RCVBUF: number;
  /** The platform's `SO_ACCEPTCONN`. */
  readonly SO_ACCEPTCONN: number;
  /**
   * Linux only (39). macOS has no option that reports the family: read `sa_family` from
   * `getsockname()` instead, which works there for every socket, bound or not.
   */
  readonly SO_DOMAIN: number | undefined;
  /** macOS only: `send()` must not raise SIGPIPE (Linux uses `MSG_NOSIGNAL` per call instead). */
  readonly SO_NOSIGPIPE: number | undefined;

  /** The platform's `IPPROTO_IP`. */
  readonly IPPROTO_IP: number;
  /** The platform's `IPPROTO_TCP`. */
  readonly IPPROTO_TCP: number;
  /** The platform's `IPPROTO_UDP`. */
  readonly IPPROTO_UDP: number;
  /** The platform's `IPPROTO_IPV6`. */
  readonly IPPROTO_IPV6: number;
  /** The platform's `TCP_NODELAY`. */
  readonly TCP_NODELAY: number;
  /** The platform's `SO_KEEPALIVE` (Linux 9, macOS 8). */
  readonly SO_KEEPALIVE: number;
  /** Idle seconds before the first keep-alive probe: Linux `TCP_KEEPIDLE` (4), macOS `TCP_KEEPALIVE` (0x10). */
  readonly TCP_KEEPIDLE: number;
  /**
   * The option whose struct starts with the TCP state byte: Linux `TCP_INFO` (11, `tcpi_state`),
   * macOS `TCP_CONNECTION_INFO` (0x106, `tcpi_state`). Both put the state in byte 0.
   */
  readonly TCP_INFO: number;
  /** Size to pass for {@link TCP_INFO}; only byte 0 is read, but the kernel wants room. */
  readonly TCP_INFO_SIZE: number;
  /** `tcpi_state` value of a connect in progress (Linux `TCP_SYN_SENT`, BSD `TCPS_SYN_SENT`). */
  readonly TCP_STATE_SYN_SENT: number;
  /** Linux 26, macOS 27. */
  readonly IPV6_V6ONLY: number;

  // send/recv flags
  /** The platform's `MSG_PEEK`. */
  readonly MSG_PEEK: number;
  /** Linux 0x20, macOS 0x10. As a recv flag only Linux returns the datagram's real length. */
  readonly MSG_TRUNC: number;
  /** The platform's `MSG_CTRUNC`. */
  readonly MSG_CTRUNC: number;
  /** Linux 0x40, macOS 0x80. */
  readonly MSG_DONTWAIT: number;
  /** Linux only (0x4000); on macOS this is 0 and `SO_NOSIGPIPE` does the job. */
  readonly MSG_NOSIGNAL: number;
  /** Linux only: received fds get FD_CLOEXEC atomically. 0 on macOS. */
  readonly MSG_CMSG_CLOEXEC: number;

  /** The platform's `SHUT_RD`. */
  readonly SHUT_RD: number;
  /** The platform's `SHUT_WR`. */
  readonly SHUT_WR: number;
  /** The platform's `SHUT_RDWR`. */
  readonly SHUT_RDWR: number;

  // fcntl
  /** The platform's `F_GETFD`. */
  readonly F_GETFD: number;
  /** The platform's `F_SETFD`. */
  readonly F_SETFD: number;
  /** Duplicates an fd with FD_CLOEXEC set on the copy, atomically. */
  readonly F_DUPFD_CLOEXEC: number;
  /** The platform's `F_GETFL`. */
  readonly F_GETFL: number;
  /** The platform's `F_SETFL`. */
  readonly F_SETFL: number;
  /** The platform's `FD_CLOEXEC`. */
  readonly FD_CLOEXEC: number;
  /** Linux 0o4000, macOS 0x0004. */
  readonly O_NONBLOCK: number;
  /** Linux only: eventfd(2) flags. */
  readonly EFD_NONBLOCK: number | undefined;
  /** The platform's `EFD_CLOEXEC` (undefined where the platform has none). */
  readonly EFD_CLOEXEC: number | undefined;

  // poll
  /** The platform's `POLLIN`. */
  readonly POLLIN: number;
  /** The platform's `POLLPRI`. */
  readonly POLLPRI: number;
  /** The platform's `POLLOUT`. */
  readonly POLLOUT: number;
  /** The platform's `POLLERR`. */
  readonly POLLERR: number;
  /** The platform's `POLLHUP`. */
  readonly POLLHUP: number;
  /** The platform's `POLLNVAL`. */
  readonly POLLNVAL: number;

  // ancillary data
  /** The platform's `SCM_RIGHTS`. */
  readonly SCM_RIGHTS: number;

  // struct sizes and offsets
  /** The platform's `SOCKADDR_IN_SIZE`. */
  readonly SOCKADDR_IN_SIZE: number;
  /** The platform's `SOCKADDR_IN6_SIZE`. */
  readonly SOCKADDR_IN6_SIZE: number;
  /** `sizeof(struct sockaddr_un)`: Linux 110 (108-byte path), macOS 106 (`sun_len` + 104-byte path). */
  readonly SOCKADDR_UN_SIZE: number;
  /** `offsetof(struct sockaddr_un, sun_path)`: 2 on both. */
  readonly SUN_PATH_OFFSET: number;
  /** The platform's `SOCKADDR_STORAGE_SIZE`. */
  readonly SOCKADDR_STORAGE_SIZE: number;
  /** macOS (BSD) sockaddrs start with a length byte, then a one-byte family; Linux has a two-byte family. */
  readonly HAS_SA_LEN: boolean;
  /** `sizeof(struct pollfd)`: `int fd; short events; short revents`. */
  readonly POLLFD_SIZE: number;
  /** `struct msghdr` on the 64-bit ABI: offsets of its fields and its size. */
  readonly MSGHDR: {
    readonly size: number;
    readonly name: number;
    readonly namelen: number;
    readonly iov: number;
    readonly iovlen: number;
    readonly control: number;
    readonly controllen: number;
    readonly flags: number;
  };
  /** `struct iovec`: `void *base; size_t len`. */
  readonly IOVEC_SIZE: number;
  /** `struct cmsghdr` header size before the data (`CMSG_LEN(0)`), and the alignment of `CMSG_ALIGN`. */
  readonly CMSG_HEADER_SIZE: number;
  /** The platform's `CMSG_ALIGN`. */
  readonly CMSG_ALIGN: number;

  /** errno value → name; see {@link errnoName}. */
  readonly errnoNames: ReadonlyMap<number, string>;
  /** errno name → value for this platform. */
  readonly errno: Readonly<Record<string, number>>;
}

// errno tables. Where two names share a number the one libuv/Node reports comes first.
const LINUX_ERRNO: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ENOSTR: 60,
  ENODATA: 61,
  ETIME: 62,
  ENOSR: 63,
  ENONET: 64,
  EREMOTE: 66,
  ENOLINK: 67,
  EPROTO: 71,
  EMULTIHOP: 72,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EBADFD: 77,
  EILSEQ: 84,
  EUSERS: 87,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  ENOTSUP: 95,
  EOPNOTSUPP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EDQUOT: 122,
  ECANCELED: 125,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
};

const DARWIN_ERRNO: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EDEADLK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EAGAIN: 35,
  EWOULDBLOCK: 35,
  EINPROGRESS: 36,
  EALREADY: 37,
  ENOTSOCK: 38,
  EDESTADDRREQ: 39,
  EMSGSIZE: 40,
  EPROTOTYPE: 41,
  ENOPROTOOPT: 42,
  EPROTONOSUPPORT: 43,
  ESOCKTNOSUPPORT: 44,
  ENOTSUP: 45,
  EPFNOSUPPORT: 46,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETDOWN: 50,
  ENETUNREACH: 51,
  ENETRESET: 52,
  ECONNABORTED: 53,
  ECONNRESET: 54,
  ENOBUFS: 55,
  EISCONN: 56,
  ENOTCONN: 57,
  ESHUTDOWN: 58,
  ETOOMANYREFS: 59,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  ELOOP: 62,
  ENAMETOOLONG: 63,
  EHOSTDOWN: 64,
  EHOSTUNREACH: 65,
  ENOTEMPTY: 66,
  EUSERS: 68,
  EDQUOT: 69,
  ESTALE: 70,
  EREMOTE: 71,
  ENOLCK: 77,
  ENOSYS: 78,
  EOVERFLOW: 84,
  ECANCELED: 89,
  EIDRM: 90,
  ENOMSG: 91,
  EILSEQ: 92,
  EBADMSG: 94,
  EMULTIHOP: 95,
  ENODATA: 96,
  ENOLINK: 97,
  ENOSR: 98,
  ENOSTR: 99,
  EPROTO: 100,
  ETIME: 101,
  EOPNOTSUPP: 102,
  ENOTRECOVERABLE: 104,
  EOWNERDEAD: 105,
};

function reverse(table: Record<string, number>): Map<number, string> {
  const names = new Map<number, string>();
  // First name wins, so aliases listed second (EWOULDBLOCK, EOPNOTSUPP on Linux) never shadow.
  for (const [name, value] of Object.entries(table)) if (!names.has(value)) names.set(value, name);
  return names;
}

const POLL = { POLLIN: 0x1, POLLPRI: 0x2, POLLOUT: 0x4, POLLERR: 0x8, POLLHUP: 0x10, POLLNVAL: 0x20 };

/** Linux (glibc or musl; x86-64, arm64). */
export const LINUX: SocketConstants = Object.freeze({
  platform: "linux",
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_REUSEPORT: 15,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_ACCEPTCONN: 30,
  SO_DOMAIN: 39,
  SO_NOSIGPIPE: undefined,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  SO_KEEPALIVE: 9,
  TCP_KEEPIDLE: 4,
  TCP_INFO: 11,
  TCP_INFO_SIZE: 256,
  TCP_STATE_SYN_SENT: 2,
  IPV6_V6ONLY: 26,
  MSG_PEEK: 0x2,
  MSG_TRUNC: 0x20,
  MSG_CTRUNC: 0x8,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  F_GETFD: 1,
  F_SETFD: 2,
  F_DUPFD_CLOEXEC: 1030,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0o4000,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
  ...POLL,
  SCM_RIGHTS: 1,
  SOCKADDR_IN_SIZE: 16,
  SOCKADDR_IN6_SIZE: 28,
  SOCKADDR_UN_SIZE: 110,
  SUN_PATH_OFFSET: 2,
  SOCKADDR_STORAGE_SIZE: 128,
  HAS_SA_LEN: false,
  POLLFD_SIZE: 8,
  // size_t msg_iovlen and msg_controllen on glibc/musl x86-64 and arm64.
  MSGHDR: { size: 56, name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48 },
  IOVEC_SIZE: 16,
  CMSG_HEADER_SIZE: 16,
  CMSG_ALIGN: 8,
  errnoNames: reverse(LINUX_ERRNO),
  errno: Object.freeze({ ...LINUX_ERRNO }),
});

/** macOS (x86-64, arm64). */
export const DARWIN: SocketConstants = Object.freeze({
  platform: "darwin",
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 30,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
  SOCK_NONBLOCK: undefined,
  SOCK_CLOEXEC: undefined,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x0004,
  SO_REUSEPORT: 0x0200,
  SO_TYPE: 0x1008,
  SO_ERROR: 0x1007,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_ACCEPTCONN: 0x0002,
  SO_DOMAIN: undefined,
  SO_NOSIGPIPE: 0x1022,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  SO_KEEPALIVE: 0x0008,
  TCP_KEEPIDLE: 0x10,
  TCP_INFO: 0x106,
  TCP_INFO_SIZE: 256,
  TCP_STATE_SYN_SENT: 2,
  IPV6_V6ONLY: 27,
  MSG_PEEK: 0x2,
  MSG_TRUNC: 0x10,
  MSG_CTRUNC: 0x20,
  MSG_DONTWAIT: 0x80,
  MSG_NOSIGNAL: 0,
  MSG_CMSG_CLOEXEC: 0,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  F_GETFD: 1,
  F_SETFD: 2,
  F_DUPFD_CLOEXEC: 67,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0x0004,
  EFD_NONBLOCK: undefined,
  EFD_CLOEXEC: undefined,
  ...POLL,
  SCM_RIGHTS: 1,
  SOCKADDR_IN_SIZE: 16,
  SOCKADDR_IN6_SIZE: 28,
  SOCKADDR_UN_SIZE: 106,
  SUN_PATH_OFFSET: 2,
  SOCKADDR_STORAGE_SIZE: 128,
  HAS_SA_LEN: true,
  POLLFD_SIZE: 8,
  // int msg_iovlen and socklen_t msg_controllen on Darwin.
  MSGHDR: { size: 48, name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 44 },
  IOVEC_SIZE: 16,
  CMSG_HEADER_SIZE: 12,
  CMSG_ALIGN: 4,
  errnoNames: reverse(DARWIN_ERRNO),
  errno: Object.freeze({ ...DARWIN_ERRNO }),
});

/** The table for `platform`. */
export function constantsFor(platform: LibcPlatform): SocketConstants {
  return platform === "darwin" ? DARWIN : LINUX;
}

/**
 * The symbolic name of an errno value, e.g. `errnoName("linux", 111)` → `"ECONNREFUSED"`;
 * unknown values give `"UNKNOWN"` (libuv's name for them).
 */
export function errnoName(platform: LibcPlatform, errno: number): string {
  return constantsFor(platform).errnoNames.get(errno) ?? "UNKNOWN";
}
