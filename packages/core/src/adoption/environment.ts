/**
 * The process environment and pid without a `node:*` import: `globalThis.process` exists on
 * Node, Bun and Deno 2; older Deno has `Deno.env` / `Deno.pid`.
 */

interface ProcessLike {
  pid: number;
  env: Record<string, string | undefined>;
}

interface DenoLike {
  pid: number;
  env: { get(name: string): string | undefined; delete(name: string): void };
}

export function getEnv(name: string): string | undefined {
  const process = (globalThis as { process?: ProcessLike }).process;
  if (process?.env !== undefined) return process.env[name];
  return (globalThis as { Deno?: DenoLike }).Deno?.env.get(name);
}

export function deleteEnv(name: string): void {
  const process = (globalThis as { process?: ProcessLike }).process;
  if (process?.env !== undefined) delete process.env[name];
  else (globalThis as { Deno?: DenoLike }).Deno?.env.delete(name);
}

export function getPid(): number | undefined {
  return (globalThis as { process?: ProcessLike }).process?.pid ?? (globalThis as { Deno?: DenoLike }).Deno?.pid;
}
