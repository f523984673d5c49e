/**
 * A missing permission fails with Deno.errors.NotCapable naming the flag: the fixture runs in a
 * child deno with only --allow-read, then with every flag it needs.
 */
import { it } from "vitest";

const fixture = new URL("./fixtures/permissions.ts", import.meta.url).pathname;

async function run(flags: string[]): Promise<string> {
  const args = [
    "run",
    "--no-config",
    "--no-lock",
    "--no-prompt",
    "--no-check",
    "--node-modules-dir=manual",
    "--conditions=portio-source",
    ...flags,
    fixture,
  ];
  const { stdout, stderr } = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  return new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
}

it("missing permissions are named in the error", async () => {
  const out = await run(["--allow-read"]);
  for (const [feature, flag] of [
    ["udp", "--allow-ffi"],
    ["tcp", "--allow-net"],
    ["unix", "--allow-write"],
  ]) {
    const line = out.split("\n").find((l) => l.startsWith(`${feature} ->`)) ?? "";
    if (!line.includes("NotCapable") || !line.includes(`needs ${flag}`))
      throw new Error(`${feature}: expected NotCapable naming ${flag}, got: ${line || out}`);
  }
});

it("with the documented flags everything works", async () => {
  const out = await run(["--allow-read", "--allow-write", "--allow-net", "--allow-ffi"]);
  for (const feature of ["udp", "tcp", "unix"]) {
    if (!out.includes(`${feature} ok`)) throw new Error(`${feature}: expected ok, got: ${out}`);
  }
});
