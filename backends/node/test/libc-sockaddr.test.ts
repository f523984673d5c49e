// Pure encoding tests of @portio/libc-socket (no FFI). Imported by relative path until the root
// vitest config aliases @portio/libc-socket.
import { describe, expect, it } from "vitest";
import {
  DARWIN,
  LINUX,
  SystemError,
  constantsFor,
  decodeSockaddr,
  encodeIpSockaddr,
  encodeUnixSockaddr,
  errnoName,
  formatIPv6,
  parseIPv4,
  parseIPv6,
  systemError,
} from "@portio/libc-socket";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const v6 = (text: string): Uint8Array => {
  const parsed = parseIPv6(text);
  if (parsed === undefined) throw new Error(`unparsable ${text}`);
  return parsed.bytes;
};

describe("IPv6 text", () => {
  it.each([
    // RFC 5952 §4: shortest form, lowercase, longest zero run, first of equal runs, no lone ::
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:DB8::AAAA", "2001:db8::aaaa"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["fe80:0:0:0:0:0:0:1", "fe80::1"],
    ["1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"],
    ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
    // RFC 5952 §5: mixed notation for mapped and translated addresses only
    ["::ffff:7f00:1", "::ffff:127.0.0.1"],
    ["::ffff:0:102:304", "::ffff:0:1.2.3.4"],
    ["::102:304", "::102:304"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
  ])("%s → %s", (input, expected) => {
    expect(formatIPv6(v6(input))).toBe(expected);
    // canonical text parses back to the same bytes
    expect(v6(expected)).toEqual(v6(input));
  });

  it("parses zones and refuses malformed text", () => {
    expect(parseIPv6("fe80::1%eth0")?.zone).toBe("eth0");
    expect(parseIPv6("fe80::1%2")?.zone).toBe("2");
    for (const bad of [
      "",
      ":",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "::g",
      "fe80::1%",
      "1.2.3.4",
      "::1.2.3",
      ":1::",
      "1::2:",
      "::ffff:1.2.3.4:1",
      "1:2:3:4:5:6:7::8:9",
    ]) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toBeDefined();
    expect(parseIPv6("1:2:3:4:5:6:7::")).toBeDefined();
  });

  it("parses IPv4 strictly", () => {
    expect(parseIPv4("127.0.0.1")).toEqual(bytes(127, 0, 0, 1));
    for (const bad of ["256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "a.b.c.d", "", " 1.2.3.4"]) {
      expect(parseIPv4(bad), bad).toBeUndefined();
    }
  });
});

describe("sockaddr round trips", () => {
  for (const C of [LINUX, DARWIN]) {
    describe(C.platform, () => {
      it("AF_INET", () => {
        const sa = encodeIpSockaddr(C, "inet", "192.168.1.20", 8080);
        expect(sa.length).toBe(16);
        expect([...sa.subarray(2, 8)]).toEqual([0x1f, 0x90, 192, 168, 1, 20]); // port and address in network order
        if (C.platform === "darwin")
          expect([sa[0], sa[1]]).toEqual([16, 2]); // sin_len, sin_family
        else expect([sa[0], sa[1]]).toEqual([2, 0]);
        expect(decodeSockaddr(C, sa, sa.length)).toEqual({ family: "inet", address: ["192.168.1.20", 8080] });
      });

      it("AF_INET6 with flowinfo and scope id", () => {
        const sa = encodeIpSockaddr(C, "inet6", "fe80::1%3", 443, { flowinfo: 0x12345 });
        expect(sa.length).toBe(28);
        expect(C.platform === "darwin" ? sa[1] : sa[0]).toBe(C.AF_INET6);
        expect(decodeSockaddr(C, sa, sa.length)).toEqual({
          family: "inet6",
          address: ["fe80::1%3", 443],
          flowinfo: 0x12345,
          scopeId: 3,
        });
        const plain = encodeIpSockaddr(C, "inet6", "2001:db8::1", 0);
        expect(decodeSockaddr(C, plain, 28).address).toEqual(["2001:db8::1", 0]);
      });

      it("zone names go through the resolver; unknown ones are refused", () => {
        const sa = encodeIpSockaddr(C, "inet6", "fe80::1%lo", 1, { zoneToIndex: (z) => (z === "lo" ? 1 : 0) });
        expect(decodeSockaddr(C, sa, 28).address).toEqual(["fe80::1%1", 1]);
        expect(() => encodeIpSockaddr(C, "inet6", "fe80::1%nope", 1, { zoneToIndex: () => 0 })).toThrow(TypeError);
      });

      it("an IPv4 host on an inet6 socket becomes IPv4-mapped", () => {
        const sa = encodeIpSockaddr(C, "inet6", "127.0.0.1", 53);
        expect(decodeSockaddr(C, sa, 28).address).toEqual(["::ffff:127.0.0.1", 53]);
      });

      it("refuses host names, wrong families and bad ports", () => {
        expect(() => encodeIpSockaddr(C, "inet", "localhost", 1)).toThrow(TypeError);
        expect(() => encodeIpSockaddr(C, "inet", "::1", 1)).toThrow(TypeError);
        expect(() => encodeIpSockaddr(C, "inet", "127.0.0.1", 65536)).toThrow(RangeError);
        expect(() => encodeIpSockaddr(C, "inet", "127.0.0.1", 1.5)).toThrow(RangeError);
      });

      it("AF_UNIX filesystem path", () => {
        const sa = encodeUnixSockaddr(C, "/tmp/sock");
        expect(sa.length).toBe(2 + 9 + 1); // NUL-terminated
        expect(sa[sa.length - 1]).toBe(0);
        expect(decodeSockaddr(C, sa, sa.length)).toEqual({ family: "unix", address: "/tmp/sock" });
        // the kernel may report the whole struct with zero padding after the NUL
        const padded = new Uint8Array(C.SOCKADDR_UN_SIZE);
        padded.set(sa);
        expect(decodeSockaddr(C, padded, padded.length).address).toBe("/tmp/sock");
      });

      it("AF_UNIX unnamed", () => {
        const sa = encodeUnixSockaddr(C, "");
        expect(sa.length).toBe(2);
        expect(decodeSockaddr(C, sa, 2).address).toBe("");
        expect(decodeSockaddr(C, sa, 0).address).toBe("");
        // macOS reports an unnamed socket as a zero-filled sun_path; on Linux those bytes would
        // be a (legal) abstract name made of NULs
        const zeroed = new Uint8Array(16);
        zeroed.set(sa.subarray(0, 2));
        if (C.platform === "darwin") expect(decodeSockaddr(C, zeroed, 16).address).toBe("");
        else expect(decodeSockaddr(C, zeroed, 16).address).toEqual(new Uint8Array(14));
      });

      it("AF_UNIX non-UTF-8 path comes back as bytes", () => {
        const raw = bytes(0x2f, 0x74, 0xff, 0xfe, 0x78); // "/t\xff\xfex"
        const sa = encodeUnixSockaddr(C, raw);
        expect(decodeSockaddr(C, sa, sa.length).address).toEqual(raw);
        // a UTF-8 path given as bytes decodes to the string; a leading BOM is kept
        const bom = new TextEncoder().encode("\ufeff/x");
        expect(decodeSockaddr(C, encodeUnixSockaddr(C, bom), 2 + bom.length + 1).address).toBe("\ufeff/x");
      });

      it("AF_UNIX path limits", () => {
        const max = C.SOCKADDR_UN_SIZE - 2 - 1;
        expect(encodeUnixSockaddr(C, `/${"a".repeat(max - 1)}`).length).toBe(C.SOCKADDR_UN_SIZE);
        expect(() => encodeUnixSockaddr(C, `/${"a".repeat(max)}`)).toThrow(RangeError);
        expect(() => encodeUnixSockaddr(C, "/a\0b")).toThrow(RangeError);
      });
    });
  }

  it("Linux abstract names, as string or bytes, come back as bytes with the leading NUL", () => {
    const sa = encodeUnixSockaddr(LINUX, "\0portio-test");
    expect(sa.length).toBe(2 + 12); // length-delimited, no terminating NUL
    const decoded = decodeSockaddr(LINUX, sa, sa.length).address;
    expect(decoded).toEqual(new TextEncoder().encode("\0portio-test"));
    const withNuls = bytes(0, 1, 0, 2);
    expect(decodeSockaddr(LINUX, encodeUnixSockaddr(LINUX, withNuls), 6).address).toEqual(withNuls);
    expect(encodeUnixSockaddr(LINUX, new Uint8Array(108)).length).toBe(110); // abstract may use all 108
    expect(() => encodeUnixSockaddr(DARWIN, "\0x")).toThrow(/only on Linux/);
  });

  it("macOS sockaddr_un carries sun_len", () => {
    const sa = encodeUnixSockaddr(DARWIN, "/tmp/s");
    expect([sa[0], sa[1]]).toEqual([sa.length, 1]);
    expect(DARWIN.SOCKADDR_UN_SIZE).toBe(106);
    expect(LINUX.SOCKADDR_UN_SIZE).toBe(110);
  });

  it("unknown families are refused", () => {
    const sa = new Uint8Array(16);
    sa[0] = 16; // AF_NETLINK on Linux
    expect(() => decodeSockaddr(LINUX, sa, 12)).toThrow(RangeError);
  });
});

describe("errno and constants", () => {
  it("names errno values per platform", () => {
    expect(errnoName("linux", 111)).toBe("ECONNREFUSED");
    expect(errnoName("darwin", 61)).toBe("ECONNREFUSED");
    expect(errnoName("linux", 11)).toBe("EAGAIN");
    expect(errnoName("darwin", 35)).toBe("EAGAIN");
    expect(errnoName("linux", 95)).toBe("ENOTSUP");
    expect(errnoName("linux", 9999)).toBe("UNKNOWN");
    expect(LINUX.errno.EWOULDBLOCK).toBe(LINUX.errno.EAGAIN);
  });

  it("SystemError looks like Node's", () => {
    const error = systemError("linux", 111, "connect", { address: "::1", port: 80 });
    expect(error).toBeInstanceOf(SystemError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "ECONNREFUSED", errno: -111, syscall: "connect", address: "::1", port: 80 });
    expect(error.message).toBe("connect ECONNREFUSED [::1]:80");
    expect(systemError("linux", 2, "bind", { path: "/x" }).message).toBe("bind ENOENT /x");
  });

  it("has both platforms' socket numbers", () => {
    expect(constantsFor("linux")).toBe(LINUX);
    expect(constantsFor("darwin")).toBe(DARWIN);
    expect([LINUX.SOL_SOCKET, DARWIN.SOL_SOCKET]).toEqual([1, 0xffff]);
    expect([LINUX.SO_DOMAIN, DARWIN.SO_DOMAIN]).toEqual([39, undefined]);
    expect([LINUX.AF_INET6, DARWIN.AF_INET6]).toEqual([10, 30]);
  });
});
