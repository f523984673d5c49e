import type { AsyncResource } from "./abc/resource.ts";
import { ClosedResourceError, EndOfStream } from "./errors.ts";
import { iterateReceive } from "./internal/iterate.ts";
import { TypedAttributeProvider } from "./typed-attributes.ts";

/**
 * The base of every portio resource, as AnyIO's `AsyncResource`: a subclass writes `aclose()`,
 * and `await using` (`[Symbol.asyncDispose]`) calls it. Typed attributes come with it.
 *
 * @example
 * ```ts
 * class Connection extends AsyncResourceBase {
 *   async aclose(): Promise<void> {}
 * }
 * await using connection = new Connection();
 * ```
 */
export abstract class AsyncResourceBase extends TypedAttributeProvider implements AsyncResource {
  /** Closes the resource; idempotent. */
  abstract aclose(): Promise<void>;

  /** Closes it when an `await using` block ends: the same as `aclose()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.aclose();
  }
}

/**
 * The base of every receive stream: `for await` calls `receive()` until it rejects with
 * {@link EndOfStream} (or an error {@link ReceiveStreamBase.endsIteration} accepts), which ends the
 * loop quietly.
 *
 * @example
 * ```ts
 * class Countdown extends ReceiveStreamBase<number> {
 *   #left = 3;
 *   async receive(): Promise<number> {
 *     if (this.#left === 0) throw new EndOfStream();
 *     return this.#left--;
 *   }
 *   async aclose(): Promise<void> {}
 * }
 * for await (const n of new Countdown()) console.log(n); // 3, 2, 1
 * ```
 */
export abstract class ReceiveStreamBase<T> extends AsyncResourceBase implements AsyncIterable<T> {
  /** The next item; rejects with `EndOfStream` at the end. */
  abstract receive(): Promise<T>;

  /** Iterates over what `receive()` returns until the stream ends. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return iterateReceive(
      () => this.receive(),
      (error) => this.endsIteration(error),
    );
  }

  /** Whether `error` from `receive()` ends iteration quietly: {@link EndOfStream} by default. */
  protected endsIteration(error: unknown): boolean {
    return error instanceof EndOfStream;
  }
}

/**
 * The base of every listener: `for await` accepts one connection per iteration and ends quietly
 * when the listener is closed (`ClosedResourceError`).
 *
 * @example
 * ```ts
 * for await (const stream of listener) await handleOneAtATime(stream);
 * ```
 */
export abstract class ListenerBase<T> extends AsyncResourceBase implements AsyncIterable<T> {
  /** The next connection; rejects with `ClosedResourceError` once the listener is closed. */
  abstract accept(): Promise<T>;

  /** Accepts one connection per iteration; ends when the listener is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return iterateReceive(
      () => this.accept(),
      (error) => error instanceof ClosedResourceError,
    );
  }
}
