/**
 * The code under test in docs/memory-backend.md: an ordinary portio client with retry logic. It
 * knows nothing about the memory network; the only concession to testing is that its timer
 * functions can be passed in (a test gives it the network's manual clock).
 */
import { BrokenResourceError, BufferedByteReceiveStream, ConnectionFailed, EndOfStream, connectTcp } from "@portio/core";

export interface GreetingOptions {
  /** Attempts in all; default 3. */
  attempts?: number;
  /** Limit of each attempt in milliseconds; default 30 000. */
  timeoutMs?: number;
  /** A signal that aborts after `ms`; default `AbortSignal.timeout`. */
  timeout?: (ms: number) => AbortSignal;
  /** Waits `ms` between attempts; default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Says HELLO to a greeting server and returns its one-line answer, retrying failed attempts with backoff. */
export async function fetchGreeting(host: string, port: number, options: GreetingOptions = {}): Promise<string> {
  const attempts = options.attempts ?? 3;
  const timeout = options.timeout ?? ((ms: number) => AbortSignal.timeout(ms));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const signal = timeout(options.timeoutMs ?? 30_000);
    try {
      const stream = await connectTcp(host, port, { signal });
      try {
        await stream.send(encoder.encode("HELLO\n"), { signal });
        const reader = new BufferedByteReceiveStream(stream);
        return decoder.decode(await reader.receiveUntil(encoder.encode("\n"), 1024, { signal }));
      } finally {
        await stream.aclose();
      }
    } catch (error) {
      if (!isRetryable(error)) throw error;
      lastError = error;
      if (attempt < attempts) await sleep(100 * 2 ** (attempt - 1));
    }
  }
  throw new Error(`no greeting from ${host}:${port} after ${attempts} attempts`, { cause: lastError });
}

function isRetryable(error: unknown): boolean {
  return (
    error instanceof ConnectionFailed ||
    error instanceof BrokenResourceError ||
    error instanceof EndOfStream ||
    (error instanceof DOMException && error.name === "TimeoutError")
  );
}
