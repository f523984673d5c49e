/**
 * The testkit's {@link SocketFileTools} over node:fs and node:child_process, which Node, Bun and
 * Deno (with --allow-read, --allow-write, --allow-run) all provide. The second user is `nobody`
 * (uid/gid 65534) through util-linux's `setpriv`, connecting from a small python3 loop.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, lstat, readdir, unlink, writeFile } from "node:fs/promises";
import process from "node:process";
import type { OtherUserProber, ProbeCounts, SocketFileTools } from "@portio/testkit";

// Connects to argv[1] (argv[2] "dgram": sends it datagrams) until stdin ends; each line on stdin asks for the counts (then reset). The
// time cap ends a prober whose parent vanished without closing its stdin.
const PROBER = `
import json, select, socket, sys, time
path = sys.argv[1]
kind = socket.SOCK_DGRAM if sys.argv[2] == "dgram" else socket.SOCK_STREAM
counts = {"attempts": 0, "connected": 0, "denied": 0}
print("ready", flush=True)
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    if select.select([0], [], [], 0)[0]:
        if not sys.stdin.readline():
            break
        print(json.dumps(counts), flush=True)
        counts = {"attempts": 0, "connected": 0, "denied": 0}
        continue
    s = socket.socket(socket.AF_UNIX, kind)
    counts["attempts"] += 1
    try:
        if kind == socket.SOCK_DGRAM:
            s.sendto(b"x", path)
        else:
            s.connect(path)
        counts["connected"] += 1
    except PermissionError:
        counts["denied"] += 1
    except OSError:
        pass
    finally:
        s.close()
`;

/**
 * Tools for the testkit's Unix socket file cases.
 *
 * @example
 * ```ts
 * const harness: ConformanceHarness = { ...rest, socketFiles: socketFileTools() };
 * ```
 */
export function socketFileTools(): SocketFileTools {
  return {
    async inspect(path) {
      try {
        const stats = await lstat(path);
        const kind = stats.isSocket() ? "socket" : stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
        return { kind, dev: stats.dev, ino: stats.ino, mode: stats.mode & 0o7777 };
      } catch (error) {
        if ((error as { code?: unknown }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    unlink: (path) => unlink(path),
    writeFile: (path, text) => writeFile(path, text),
    list: async (dir) => (await readdir(dir)).sort(),
    umask: (mask) => process.umask(mask),
    async probeAsOtherUser(dir, path, type = "stream") {
      if (process.getuid?.() !== 0) throw new Error("only root can run a process as user nobody (setpriv --reuid=65534)");
      await chmod(dir, 0o755);
      return startProber(path, type);
    },
  };
}

// The system's python3: one under root's home (pyenv, say) is out of nobody's reach.
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

function startProber(path: string, type: "stream" | "dgram"): Promise<OtherUserProber> {
  const child = spawn("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", PYTHON, "-c", PROBER, path, type], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let buffered = "";
  let stderr = "";
  let ended = false;
  const deliver = (line: string | undefined) => {
    const next = waiting.shift();
    if (next) next(line);
    else if (line !== undefined) lines.push(line);
  };
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      deliver(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      ended = true;
      while (waiting.length > 0) deliver(undefined);
      resolve();
    };
    child.once("close", done);
    child.once("error", (error) => {
      stderr += String(error);
      done();
    });
  });
  const nextLine = async (): Promise<string> => {
    const line = lines.shift() ?? (ended ? undefined : await new Promise<string | undefined>((resolve) => waiting.push(resolve)));
    if (line === undefined) throw new Error(`the prober (setpriv ... python3) ended: ${stderr.trim() || "no output"}`);
    return line;
  };
  const prober: OtherUserProber = {
    async report(): Promise<ProbeCounts> {
      child.stdin.write("\n");
      return JSON.parse(await nextLine()) as ProbeCounts;
    },
    async stop(): Promise<void> {
      child.stdin.end();
      await exited;
    },
  };
  return nextLine().then(
    () => prober,
    async (error) => {
      await prober.stop();
      throw error;
    },
  );
}
