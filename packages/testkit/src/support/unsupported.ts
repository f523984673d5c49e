import { UnsupportedError } from "@portio/core";
import { match, ok } from "../assert.ts";

/**
 * Runs `action`, where the contract lets a backend refuse with {@link UnsupportedError} (for
 * example Unix paths that are not valid UTF-8 on a runtime whose socket API takes strings only).
 * Resolves with the result, or with `undefined` after checking that the refusal explains itself:
 * the contract asks for a message naming what is not possible.
 */
export async function unlessUnsupported<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UnsupportedError)) throw error;
    ok(error.message.length > 20, `UnsupportedError needs a message that says what cannot be done, got "${error.message}"`);
    match(error.message.toLowerCase(), /backend|support|cannot|not/, "UnsupportedError message");
    return undefined;
  }
}
