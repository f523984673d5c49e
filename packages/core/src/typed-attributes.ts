import { TypedAttributeLookupError } from "./errors.ts";

/**
 * A key for a typed attribute. Attributes are looked up with {@link TypedAttributeProvider.extra}.
 *
 * @example
 * ```ts
 * const requestId = new TypedAttribute<string>("requestId");
 * ```
 */
export class TypedAttribute<T> {
  /** @internal phantom field that carries `T` */
  declare readonly _type?: T;
  /** Creates an attribute key; `name` is for messages only (identity is the object). */
  constructor(readonly name: string) {}
  /** `TypedAttribute(name)`, for messages. */
  toString(): string {
    return `TypedAttribute(${this.name})`;
  }
}

/** Getter functions keyed by attribute: a value is computed only when somebody asks for it. */
export type TypedAttributeMap = ReadonlyMap<TypedAttribute<unknown>, () => unknown>;

/**
 * Something that exposes typed attributes. Wrappers (buffered, text, TLS, stapled streams) pass
 * their inner stream's attributes through by merging its `extraAttributes`.
 *
 * @example
 * ```ts
 * const port = stream.extra(SocketAttribute.remotePort);
 * const maybeFd = stream.extra(SocketAttribute.fd, undefined);
 * ```
 */
export abstract class TypedAttributeProvider {
  /** The attributes this object provides. Subclasses add theirs to their parent's. */
  get extraAttributes(): TypedAttributeMap {
    return new Map();
  }

  /** The attribute's value; throws {@link TypedAttributeLookupError} if absent. */
  extra<T>(attribute: TypedAttribute<T>): T;
  /** The attribute's value, or `defaultValue` if absent. */
  extra<T, D>(attribute: TypedAttribute<T>, defaultValue: D): T | D;
  extra<T, D>(attribute: TypedAttribute<T>, ...defaultValue: [D?]): T | D {
    const getter = this.extraAttributes.get(attribute as TypedAttribute<unknown>);
    if (getter !== undefined) {
      try {
        return getter() as T;
      } catch (error) {
        if (!(error instanceof TypedAttributeLookupError) || defaultValue.length === 0) throw error;
        return defaultValue[0] as D;
      }
    }
    if (defaultValue.length > 0) return defaultValue[0] as D;
    throw new TypedAttributeLookupError(`Attribute not found: ${attribute.name}`);
  }
}

/** Builds a {@link TypedAttributeMap}; later entries win, so pass inner maps first. */
export function mergeAttributes(
  ...maps: Array<TypedAttributeMap | Iterable<readonly [TypedAttribute<unknown>, () => unknown]>>
): TypedAttributeMap {
  const merged = new Map<TypedAttribute<unknown>, () => unknown>();
  for (const map of maps) for (const [key, getter] of map) merged.set(key, getter);
  return merged;
}
