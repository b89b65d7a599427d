import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureDevVars, type LocalSecrets, localSecrets, localVarsFiles, ROOT } from "./dev-vars";
import { localD1, WRANGLER } from "./local-d1";
import { shardVars, withShards } from "./queue-shard-config";
import { type RuntimeTuning, withQueueMaxRetries, withVars } from "./runtime-tuning";

/**
 * The config folders (from ROOT) one local runtime serves, the dev gateway first: only the
 * first config is served over HTTP, and the gateway routes every path to its worker.
 */
export const RUNTIME_CONFIG_DIRS = [
  "dev/gateway",
  ".",
  "workers/redirect",
  "workers/postback",
  "workers/events",
  "dev/sandbox-network",
  "dev/sandbox-processor",
] as const;

export interface LocalRuntimeOptions {
  port: number;
  /** Where D1, KV, queues and Durable Objects persist (`wrangler dev --persist-to`). */
  persistDir: string;
  /**
   * Leave the checkout alone: copies of the configs and their `.dev.vars` (with this runtime's
   * URLs) go under this folder instead of beside the real configs, so a runtime on another
   * port never repoints a developer's `npm run dev`. Without it, `.dev.vars` is (re)written
   * in the checkout, as `npm run dev` always did.
   */
  isolatedConfigDir?: string;
  /** wrangler's output: inherited (the terminal) or appended to this file. */
  logFile?: string;
  /**
   * Only with `isolatedConfigDir`: settings of the copies that differ from `npm run dev`'s, so a
   * test runtime reaches slow states (a payout whose retries ran out) in seconds. The checkout's
   * configs are never changed, and a deployed worker never sees these.
   */
  tuning?: RuntimeTuning;
}

export type { RuntimeTuning } from "./runtime-tuning";

export interface LocalRuntime {
  baseUrl: string;
  secrets: LocalSecrets;
  process: ChildProcess;
  /** Stops wrangler and workerd (its whole process group when started isolated). */
  stop(): Promise<void>;
}

/**
 * Applies the D1 migrations to `persistDir`, starts one `wrangler dev` with every worker on
 * `port` and waits until the api, redirect and postback workers answer. Loading demo data is
 * the caller's (scripts/demo-data.ts). Used by `npm run dev` and the browser tests' global
 * setup (test/browser/support/global-setup.ts).
 *
 * @example
 * const runtime = await startLocalRuntime({
 *   port: 8795,
 *   persistDir: "/tmp/boomerang-browser/state",
 *   isolatedConfigDir: "/tmp/boomerang-browser/config",
 *   logFile: "/tmp/boomerang-browser/wrangler.log",
 * });
 * await loadDemoData(runtime.baseUrl, runtime.secrets.ADMIN_API_KEY);
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const baseUrl = `http://localhost:${options.port}`;
  const secrets = options.isolatedConfigDir ? isolatedSecrets() : ensureDevVars(baseUrl);
  const configs = options.isolatedConfigDir
    ? writeIsolatedConfigs(options.isolatedConfigDir, secrets, baseUrl, options.tuning)
    : RUNTIME_CONFIG_DIRS.map((dir) => path.join(dir, "wrangler.toml"));

  const output = options.logFile ? openSync(options.logFile, "a") : "inherit";
  const migrate = localD1(["migrations", "apply"], options.persistDir, {
    stdio: ["ignore", output, output],
  });
  if (migrate.status !== 0) {
    throw new Error(`D1 migrations failed (exit ${migrate.status})${tail(options.logFile)}`);
  }

  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...configs.flatMap((config) => ["-c", config]),
      "--port",
      String(options.port),
      "--persist-to",
      options.persistDir,
      ...(options.isolatedConfigDir ? ["--show-interactive-dev-session=false"] : []),
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", output, output],
      env: options.isolatedConfigDir
        ? { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" }
        : process.env,
      // Isolated runtimes are stopped as a group, which reaches workerd too.
      detached: Boolean(options.isolatedConfigDir),
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const exitedEarly = exited.then(() => {
    throw new Error(
      `wrangler dev exited early (${child.signalCode ?? child.exitCode})${tail(options.logFile)}`,
    );
  });
  exitedEarly.catch(() => {});

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        if (options.isolatedConfigDir && child.pid) process.kill(-child.pid, s);
        else child.kill(s);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await Promise.race([waitForHealthy(baseUrl), exitedEarly]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, secrets, process: child, stop };
}

/** The checkout's secrets, read without rewriting .dev.vars (created only when missing). */
export function isolatedSecrets(): LocalSecrets {
  if (!existsSync(path.join(ROOT, ".dev.vars"))) ensureDevVars();
  return localSecrets();
}

/**
 * Copies of every config under `dir`, `main` and `migrations_dir` made absolute, each with the
 * `.dev.vars` wrangler reads beside it. Returns the copies' paths.
 */
export function writeIsolatedConfigs(
  dir: string,
  secrets: LocalSecrets,
  baseUrl: string,
  tuning: RuntimeTuning = {},
): string[] {
  const varsFiles = localVarsFiles(secrets, baseUrl);
  return RUNTIME_CONFIG_DIRS.map((configDir) => {
    const target = path.join(dir, configDir === "." ? "api" : configDir.replaceAll("/", "-"));
    const absolute = (p: string) => path.resolve(ROOT, configDir, p);
    let toml = readFileSync(path.join(ROOT, configDir, "wrangler.toml"), "utf8").replace(
      /^(main|migrations_dir|directory) = "(.*)"$/gm,
      (_, key: string, p: string) => `${key} = "${absolute(p)}"`,
    );
    let vars = varsFiles[configDir];
    if (configDir === ".") {
      toml = withQueueMaxRetries(toml, tuning.queueMaxRetries ?? {});
      if (vars) vars = withVars(vars, tuning.apiVars ?? {});
    }
    if (tuning.shards && tuning.shards > 1) {
      toml = withShards(toml, tuning.shards, { userDbs: configDir === "." });
      if (vars) vars = withVars(vars, shardVars(tuning.shards));
    }
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, "wrangler.toml"), toml);
    if (vars) writeFileSync(path.join(target, ".dev.vars"), vars);
    return path.join(target, "wrangler.toml");
  });
}

/** Up to 120 s for the api (200) and the redirect and postback workers (their own 4xx). */
async function waitForHealthy(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const checks = await Promise.all(
        ["/healthz", "/c/healthz-probe", "/postback/healthz-probe", "/v1/events/healthz-probe"].map(
          (p) => fetch(`${baseUrl}${p}`),
        ),
      );
      // The api answers 200; the others answer with their own 4xx pages, which proves they are up.
      if (checks[0]?.ok && checks.slice(1).every((r) => r.status >= 400 && r.status < 500)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("workers did not become healthy within 120 s");
}

function tail(logFile: string | undefined, lines = 30): string {
  if (!logFile) return "";
  try {
    return `\n${readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n")}`;
  } catch {
    return "";
  }
}
