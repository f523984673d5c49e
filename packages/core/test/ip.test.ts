// isIPv4 scans character codes (connectTcp asks on every connection); the grammar it must accept
// is the dotted quad without leading zeros, written here once more as a regular expression.
import { describe, expect, it } from "vitest";
import { ipFamily, isIPv4 } from "../src/internal/ip.ts";

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

describe("isIPv4", () => {
  it("accepts dotted quads of 0-255 without leading zeros", () => {
    for (const host of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.255", "100.200.250.199", "1.2.3.4"]) {
      expect(isIPv4(host), host).toBe(true);
    }
  });

  it("refuses everything else", () => {
    const refused = [
      "",
      "1.1.1",
      "1.1.1.1.",
      "1.1.1.1.1",
      ".1.1.1",
      "1..1.1",
      "256.1.1.1",
      "1.1.1.256",
      "999.1.1.1",
      "01.1.1.1",
      "1.1.1.01",
      "0.0.0.00",
      "1.1.1.1000",
      "1.2.3.4a",
      "a1.2.3.4",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.-4",
      "1.2.3.+4",
      "１.2.3.4",
      "::1",
      "localhost",
      "1.2.3.4/8",
    ];
    for (const host of refused) expect(isIPv4(host), JSON.stringify(host)).toBe(false);
  });

  it("agrees with the grammar on every string of digits and dots up to 15 characters drawn here", () => {
    // A fixed pseudo-random sequence: the same strings on every run and runtime.
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const alphabet = "0123456789.125";
    let disagreements = 0;
    let accepted = 0;
    for (let n = 0; n < 50_000; n++) {
      let host = "";
      const length = 1 + Math.floor(next() * 16);
      for (let k = 0; k < length; k++) host += alphabet[Math.floor(next() * alphabet.length)];
      if (n % 2 === 0) host = [0, 1, 2, 3].map(() => String(Math.floor(next() * 300))).join(".");
      const expected = DOTTED_QUAD.test(host);
      if (expected) accepted++;
      if (isIPv4(host) !== expected) disagreements++;
    }
    expect(disagreements).toBe(0);
    // The sample holds both answers in number, so agreement says something about each.
    expect(accepted).toBeGreaterThan(1_000);
    expect(50_000 - accepted).toBeGreaterThan(1_000);
  });

  it("gives ipFamily inet for IPv4, inet6 for IPv6, undefined for a name", () => {
    expect(ipFamily("127.0.0.1")).toBe("inet");
    expect(ipFamily("::1")).toBe("inet6");
    expect(ipFamily("localhost")).toBeUndefined();
  });
});
