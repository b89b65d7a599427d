import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { WRANGLER } from "#scripts/lib/local-d1";

/**
 * The one `wrangler dev` lifecycle of the benches: started as the leader of its own process
 * group (so stopping it reaches workerd too) with its output in a log file, waited for until
 * it answers, stopped with SIGTERM (SIGKILL after 5 s), and killed if the bench exits or is
 * interrupted first. The scenarios and the browser tests start the whole system instead
 * (scripts/lib/local-runtime.ts).
 *
 * @example
 * const dev = await startWranglerDev({
 *   configs: ["bench/points-worker/wrangler.toml"],
 *   host: "127.0.0.1",
 *   port: 8797,
 *   persistDir: freshDir(".wrangler/bench-points-state"),
 *   logFile: ".wrangler/bench-points-wrangler.log",
 * });
 * try { await fetch(`${dev.baseUrl}/run`); } finally { await dev.stop(); }
 */

export interface WranglerDevOptions {
  /** `-c` configs from ROOT; the first is the one served over HTTP. */
  configs: readonly string[];
  host: string;
  port: number;
  /** wrangler's output; truncated at the start unless `appendLog`. */
  logFile: string;
  appendLog?: boolean;
  /** `--persist-to`: D1, KV, queues and Durable Objects; none keeps wrangler's default. */
  persistDir?: string;
  /** `--var NAME:value` each. */
  vars?: Record<string, string>;
  /**
   * wrangler's `--log-level`; by default `BENCH_LOG_LEVEL`, else warn. At info level the runtime
   * posts a log line to wrangler for every request: dev-only work a bench would measure.
   */
  logLevel?: string;
  /** Whether the runtime is up (default: `GET /healthz` answers 2xx). */
  ready?: (baseUrl: string) => Promise<boolean>;
  /** How long to wait for `ready` (default 120 s). */
  readyTimeoutMs?: number;
  /** The error a failed start throws, so a bench can tell its own failures from bugs. */
  error?: (message: string) => Error;
}

export interface WranglerDev {
  baseUrl: string;
  /** wrangler's pid, which is also its process group's id (wrangler and its workerd). */
  pid: number | undefined;
  /** Stops wrangler and workerd and waits until wrangler exited; nothing when already gone. */
  stop(): Promise<void>;
  /** The last lines of the log file. */
  tailLog(lines?: number): string;
}

/** The environment wrangler runs in: no prompts, no metrics. */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };
}

const running = new Set<ChildProcess>();
let exitHandlersInstalled = false;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** A bench that exits, or is interrupted, takes its runtimes with it. */
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  const killAll = () => {
    for (const child of running) signalGroup(child, "SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (running.size > 0) console.error(`\n${signal}: stopping wrangler`);
      killAll();
      process.exit(130);
    });
  }
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const baseUrl = `http://${options.host}:${options.port}`;
  const logFile = path.resolve(ROOT, options.logFile);
  const fail = options.error ?? ((message: string) => new Error(message));
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = openSync(logFile, options.appendLog ? "a" : "w");
  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...options.configs.flatMap((config) => ["-c", config]),
      "--ip",
      options.host,
      "--port",
      String(options.port),
      ...(options.persistDir ? ["--persist-to", options.persistDir] : []),
      ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => [
        "--var",
        `${name}:${value}`,
      ]),
      "--log-level",
      options.logLevel ?? (process.env.BENCH_LOG_LEVEL || "warn"),
      "--show-interactive-dev-session=false",
    ],
    { cwd: ROOT, stdio: ["ignore", log, log], env: wranglerEnv(), detached: true },
  );
  running.add(child);
  installExitHandlers();
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  const tailLog = (lines = 30) => tailFile(logFile, lines);

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const exitedEarly = exited.then(() => {
    throw fail(`wrangler dev exited early (${child.signalCode ?? child.exitCode})\n${tailLog()}`);
  });
  exitedEarly.catch(() => {});
  try {
    await Promise.race([
      waitForReady(
        baseUrl,
        options.ready ?? healthz,
        options.readyTimeoutMs ?? 120_000,
        fail,
        tailLog,
      ),
      exitedEarly,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, pid: child.pid, stop, tailLog };
}

async function healthz(baseUrl: string): Promise<boolean> {
  return (await fetch(`${baseUrl}/healthz`)).ok;
}

async function waitForReady(
  baseUrl: string,
  ready: (baseUrl: string) => Promise<boolean>,
  timeoutMs: number,
  fail: (message: string) => Error,
  tailLog: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await ready(baseUrl)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw fail(`wrangler dev did not become ready within ${timeoutMs / 1000} s\n${tailLog()}`);
}

/** `dir` (from ROOT) emptied and created: a bench's fresh local state. Returns its path. */
export function freshDir(dir: string): string {
  const absolute = path.resolve(ROOT, dir);
  rmSync(absolute, { recursive: true, force: true });
  mkdirSync(absolute, { recursive: true });
  return absolute;
}

/** The wrangler version the benches ran with (recorded beside their figures). */
export function wranglerVersion(): string {
  const pkg = path.join(ROOT, "node_modules", "wrangler", "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
}

/** The last lines of a log file; empty when it cannot be read. */
export function tailFile(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
