// Ported from AnyIO tests/test_typedattr.py (test_typedattr_keyerror), plus the rest of the
// typed-attribute contract: missing attribute → TypedAttributeLookupError unless a default is
// given, lazy getters, merging with later maps winning.
import { describe, expect, it } from "vitest";
import { TypedAttributeLookupError } from "../src/errors.ts";
import { SocketAttribute } from "../src/socket-attributes.ts";
import { TypedAttribute, TypedAttributeProvider, mergeAttributes, type TypedAttributeMap } from "../src/typed-attributes.ts";

const dummy = new TypedAttribute<string>("dummy");

class Provider extends TypedAttributeProvider {
  constructor(private readonly attributes: TypedAttributeMap) {
    super();
  }
  override get extraAttributes(): TypedAttributeMap {
    return this.attributes;
  }
}

describe("typed attributes", () => {
  it("test_typedattr_keyerror: a getter's own lookup error is not mistaken for a missing attribute", () => {
    // AnyIO: a getter raising KeyError propagates as that KeyError. The JS analogue of a
    // getter's unrelated lookup failure is e.g. a RangeError; it must propagate even with a default.
    const failure = new RangeError("foo");
    const provider = new Provider(
      mergeAttributes([
        [
          dummy,
          () => {
            throw failure;
          },
        ],
      ]),
    );
    expect(() => provider.extra(dummy)).toThrow(failure);
    expect(() => provider.extra(dummy, "default")).toThrow(failure);
  });

  it("a missing attribute throws TypedAttributeLookupError naming it, unless a default is given", () => {
    const provider = new Provider(new Map());
    expect(() => provider.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
    expect(() => provider.extra(SocketAttribute.remotePort)).toThrow("Attribute not found: remotePort");
    expect(provider.extra(SocketAttribute.remotePort, 0)).toBe(0);
    expect(provider.extra(SocketAttribute.remotePort, undefined)).toBeUndefined();
  });

  it("a getter throwing TypedAttributeLookupError means absent: the default is used", () => {
    const provider = new Provider(
      mergeAttributes([
        [
          SocketAttribute.fd,
          () => {
            throw new TypedAttributeLookupError("no fd on this runtime");
          },
        ],
      ]),
    );
    expect(provider.extra(SocketAttribute.fd, -1)).toBe(-1);
    expect(() => provider.extra(SocketAttribute.fd)).toThrow("no fd on this runtime");
  });

  it("getters are only called when asked, and every time", () => {
    let calls = 0;
    const provider = new Provider(mergeAttributes([[SocketAttribute.localPort, () => ++calls]]));
    expect(calls).toBe(0);
    expect(provider.extra(SocketAttribute.localPort)).toBe(1);
    expect(provider.extra(SocketAttribute.localPort)).toBe(2);
  });

  it("the base provider has no attributes", () => {
    class Bare extends TypedAttributeProvider {}
    expect(new Bare().extraAttributes.size).toBe(0);
    expect(new Bare().extra(dummy, "none")).toBe("none");
  });

  it("mergeAttributes: later maps win; attribute identity, not name, is the key", () => {
    const sameName = new TypedAttribute<string>("dummy");
    const merged = mergeAttributes(new Map([[dummy, () => "inner"]]), [
      [dummy, () => "outer"],
      [sameName, () => "other"],
    ]);
    const provider = new Provider(merged);
    expect(provider.extra(dummy)).toBe("outer");
    expect(provider.extra(sameName)).toBe("other");
    expect(merged.size).toBe(2);
  });

  it("TypedAttribute has a readable name", () => {
    expect(String(SocketAttribute.localAddress)).toBe("TypedAttribute(localAddress)");
    expect(dummy.name).toBe("dummy");
  });
});
