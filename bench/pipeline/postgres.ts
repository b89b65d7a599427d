import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A throwaway PostgreSQL for `npm run bench:pipeline`: Debian's server binaries
 * (/usr/lib/postgresql/<v>/bin, `apt-get install -y postgresql` only when none is there),
 * `initdb` into a temporary folder and the server started in the foreground as user
 * `postgres` (it refuses root), listening on a unix socket in that folder only (no TCP), with
 * settings for a bench (fsync stays on: the comparison is with durable commits). `stop()`
 * shuts it down and removes the folder. Not part of CI.
 */
export interface Postgres {
  /** The socket folder: `pg`'s `host`. */
  socketDir: string;
  port: number;
  /** The postmaster's pid: its backends are its children. */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

const PORT = 55432;

export async function startPostgres(): Promise<Postgres> {
  const bin = findBin() ?? installAndFind();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "boomerang-pg-"));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, "data");
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ["-u", "postgres", "--", cmd, ...args] : args;
    const out = spawnSync(asRoot ? "runuser" : cmd, full, { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`${path.basename(cmd)} failed: ${out.stderr}`);
    return out.stdout;
  };
  run(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync"]);
  const args = [
    "-D",
    dataDir,
    "-k",
    dir,
    "-p",
    String(PORT),
    "-c",
    "listen_addresses=",
    "-c",
    "max_connections=50",
    "-c",
    "shared_buffers=128MB",
    "-c",
    "log_min_messages=warning",
  ];
  const postgres = path.join(bin, "postgres");
  const child: ChildProcess = spawn(
    asRoot ? "runuser" : postgres,
    asRoot ? ["-u", "postgres", "--", postgres, ...args] : args,
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGINT"); // fast shutdown
    } catch {
      // gone
    }
  };
  process.on("exit", kill);
  const pidFile = path.join(dataDir, "postmaster.pid");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = spawnSync(path.join(bin, "pg_isready"), ["-h", dir, "-p", String(PORT)]);
    if (ready.status === 0 && existsSync(pidFile)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // runuser forks: the postmaster is the pid in its pid file.
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  const version = spawnSync(postgres, ["--version"], { encoding: "utf8" }).stdout.trim();
  return {
    socketDir: dir,
    port: PORT,
    pid,
    version,
    async stop() {
      kill();
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
      process.off("exit", kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest /usr/lib/postgresql/<v>/bin that has pg_ctl. */
function findBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = spawnSync("ls", [root], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (existsSync(path.join(bin, "pg_ctl"))) return bin;
  }
  return null;
}

function installAndFind(): string {
  console.log("  no PostgreSQL found: apt-get install -y postgresql…");
  const out = spawnSync("apt-get", ["install", "-y", "postgresql"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const bin = out.status === 0 ? findBin() : null;
  if (!bin) throw new Error("PostgreSQL is not installed and apt-get could not install it");
  return bin;
}
