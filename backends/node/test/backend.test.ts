import { describe, expect, it } from "vitest";
import { peekBackend, setBackend } from "@portio/core";
import { getaddrinfo } from "@portio/node-shared";
import { nodeBackend, register } from "../src/index.ts";

describe("getaddrinfo", () => {
  it("passes numeric addresses through with their family", async () => {
    expect(await getaddrinfo("127.0.0.1", {})).toEqual([{ family: "inet", address: "127.0.0.1" }]);
    expect(await getaddrinfo("::1", {})).toEqual([{ family: "inet6", address: "::1" }]);
  });

  it("resolves localhost to loopback addresses, restricted by family", async () => {
    const all = await getaddrinfo("localhost", {});
    expect(all.length).toBeGreaterThan(0);
    for (const { family, address } of all) {
      expect(family === "inet" ? address.startsWith("127.") : address === "::1").toBe(true);
    }
    const v4 = await getaddrinfo("localhost", { family: "inet" });
    expect(v4.length).toBeGreaterThan(0);
    expect(v4.every((a) => a.family === "inet")).toBe(true);
  });

  it("rejects with Node's error for a name that does not exist", async () => {
    // .invalid never resolves (RFC 6761); without a resolver the error is EAI_AGAIN instead.
    const error = await getaddrinfo("portio.invalid", {}).catch((e: unknown) => e);
    expect(["ENOTFOUND", "EAI_AGAIN"]).toContain((error as { code?: string }).code);
  });
});

describe("nodeBackend", () => {
  it("implements the backend interface", () => {
    expect(nodeBackend.name).toBe("node");
    for (const method of ["getaddrinfo", "connectTcp", "connectUnix", "createTcpListener", "createUnixListener"] as const) {
      expect(typeof nodeBackend[method]).toBe("function");
    }
  });

  it("is registered by register(), not by importing the package", () => {
    const previous = peekBackend();
    expect(previous).not.toBe(nodeBackend);
    register();
    expect(peekBackend()).toBe(nodeBackend);
    if (previous !== undefined) setBackend(previous);
  });
});
