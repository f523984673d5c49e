import type { CallOptions } from "../abc/resource.ts";
import { BrokenResourceError, ClosedResourceError, EndOfStream } from "../errors.ts";
import type { MultiListener } from "../multi-listener.ts";
import { receiveSocket, sendSocket } from "./handoff.ts";
import { SocketListener } from "./socket-listener.ts";
import type { SocketStream } from "./socket-stream.ts";
import { connectUnix, createUnixListener } from "./unix.ts";
import type { ClientSocket } from "../adoption/wrap-client-socket.ts";
import type { ServerSocket } from "../adoption/wrap-server-socket.ts";

/** The byte a successor sends once it serves the listener it took over. */
const READY = 0x52; // "R"

/**
 * Hands `socket` to every process that connects to the Unix socket `controlPath`, until `signal`
 * aborts: the primary side of multi-process serving. Workers (any runtime) call
 * {@link requestSocket} and all `serve()` the same listener; the kernel spreads the connections
 * among the processes that accept. The primary keeps its own copy (close it if it does not serve).
 * Resolves after the control socket is closed.
 *
 * @example
 * ```ts
 * const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: 8080 });
 * const stop = new AbortController();
 * const offering = offerSocket("/run/app/control.sock", listener, { signal: stop.signal });
 * // start workers: each runs `await (await requestSocket("/run/app/control.sock")).serve(handler)`
 * ```
 */
export async function offerSocket(
  controlPath: string,
  socket: number | object,
  options: CallOptions & { onHandedOver?: () => void } = {},
): Promise<void> {
  const control = await createUnixListener(controlPath, { mode: 0o600 });
  try {
    await control.serve(
      async (channel) => {
        await sendSocket(channel, socket);
        options.onHandedOver?.();
      },
      { ...(options.signal ? { signal: options.signal } : {}) },
    );
  } finally {
    await control.aclose();
  }
}

/**
 * Connects to `controlPath` and receives the socket a process offers there ({@link offerSocket}
 * or {@link handOverListener}), rebuilt as its typed object (see {@link receiveSocket}).
 *
 * @example
 * ```ts
 * const listener = await requestSocket("/run/app/control.sock");
 * if (listener instanceof SocketListener) await listener.serve(handler);
 * ```
 */
export async function requestSocket(controlPath: string, options: CallOptions = {}): Promise<ClientSocket | ServerSocket> {
  const channel = await connectUnix(controlPath, options.signal ? { signal: options.signal } : {});
  try {
    return await receiveSocket(channel, options);
  } finally {
    await channel.aclose();
  }
}

/** What {@link takeOverListener} gives the new process. */
export interface TakenListener {
  /** The listener taken over from the old process, ready to `serve()`. */
  listener: SocketListener;
  /**
   * Tells the old process that this one serves now: it stops accepting. Call once `serve()` runs.
   * Resolves when the old process has let go of the control path (this process may then offer
   * the listener there itself, for the next restart).
   */
  ready(): Promise<void>;
}

/**
 * The old process's side of a zero-downtime restart: waits on `controlPath` for the new process
 * ({@link takeOverListener}), hands it `listener`, and once the new process reports that it
 * serves, stops accepting here with {@link SocketListener.stopAccepting} — connections this
 * process already took are still served, those in the kernel's queue go to the new process, so
 * no client is refused or reset. Resolves then; the caller's `serve()` ends with
 * `ClosedResourceError` once its handlers are done, and `aclose()` releases the fd. A successor
 * that disconnects before it is ready is dropped, and the next one is waited for.
 *
 * For a `MultiListener` (from `createTcpListener`) it must hold one listener (pass `localHost`);
 * hand several over one by one.
 *
 * @example
 * ```ts
 * const serving = listener.serve(handler);
 * await handOverListener(listener, "/run/app/restart.sock"); // returns once the new process serves
 * await serving.catch((error) => { if (!(error instanceof ClosedResourceError)) throw error; });
 * await listener.aclose();
 * ```
 */
export async function handOverListener(
  listener: SocketListener | MultiListener<SocketStream>,
  controlPath: string,
  options: CallOptions = {},
): Promise<void> {
  const inner = single(listener);
  const control = await createUnixListener(controlPath, { mode: 0o600 });
  try {
    for (;;) {
      const channel = await control.accept(options);
      try {
        await sendSocket(channel, inner, options);
        const answer = await channel.receive(1, options);
        if (answer[0] === READY) {
          // Before the channel closes: the successor waits for that to reuse `controlPath`.
          await control.aclose();
          break;
        }
      } catch (error) {
        // That successor went away before it served: wait for the next one.
        if (!(error instanceof EndOfStream) && !(error instanceof ClosedResourceError) && !(error instanceof BrokenResourceError))
          throw error;
      } finally {
        await channel.aclose();
      }
    }
  } finally {
    await control.aclose();
  }
  await inner.stopAccepting();
}

/**
 * The new process's side of a zero-downtime restart: takes the listener the old process offers on
 * `controlPath` ({@link handOverListener}). Start serving it, then call `ready()`.
 *
 * @example
 * ```ts
 * const { listener, ready } = await takeOverListener("/run/app/restart.sock");
 * const serving = listener.serve(handler);
 * await ready();
 * await serving;
 * ```
 */
export async function takeOverListener(controlPath: string, options: CallOptions = {}): Promise<TakenListener> {
  const channel = await connectUnix(controlPath, options.signal ? { signal: options.signal } : {});
  let received: ClientSocket | ServerSocket;
  try {
    received = await receiveSocket(channel, options);
  } catch (error) {
    await channel.aclose();
    throw error;
  }
  if (!(received instanceof SocketListener)) {
    await Promise.all([received.aclose(), channel.aclose()]);
    throw new TypeError(`expected a stream listener on ${controlPath}, got ${received.constructor.name}`);
  }
  let readied: Promise<void> | undefined;
  return {
    listener: received,
    ready: () =>
      (readied ??= (async () => {
        try {
          await channel.send(new Uint8Array([READY]));
          // The old process closes the channel after its control listener: wait for that.
          await channel.receive(1, options).catch(() => {});
        } finally {
          await channel.aclose();
        }
      })()),
  };
}

function single(listener: SocketListener | MultiListener<SocketStream>): SocketListener {
  if (listener instanceof SocketListener) return listener;
  const inner = listener.listeners;
  if (inner.length !== 1 || !(inner[0] instanceof SocketListener)) {
    throw new RangeError(
      `a listener to hand over must be one socket; this MultiListener has ${inner.length}: hand them over one by one`,
    );
  }
  return inner[0];
}
