import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LocalSecrets } from "#scripts/lib/dev-vars";
import { ROOT } from "#scripts/lib/dev-vars";
import { localD1, WRANGLER } from "#scripts/lib/local-d1";
import {
  isolatedSecrets,
  RUNTIME_CONFIG_DIRS,
  writeIsolatedConfigs,
} from "#scripts/lib/local-runtime";
import { userDbName } from "#scripts/lib/queue-shard-config";
import type { HostSpec } from "./miniflare-host";
import { tailFile, wranglerEnv } from "./wrangler-dev";

/**
 * The product's workers in the local runtime without `wrangler dev`: each worker bundled once
 * as a deploy would (`wrangler deploy --dry-run --outdir`, before anything is timed), then
 * run by Miniflare's API in a child process (bench/lib/miniflare-host.ts) with the bindings,
 * vars, Durable Objects, D1, KV, R2 and queue consumer settings of its wrangler.toml. No
 * wrangler CLI, no wrangler proxy workerd, no esbuild watching, no dev gateway: Miniflare's
 * router sends `/c/*` and `/r/*` to the redirect worker, `/postback/*` to the postback worker
 * and the rest to the api, as each worker's own hostname would in a deployment. What is left
 * to count is workerd and Miniflare's Node side (which relays the workers' log lines).
 *
 * @example
 * const rt = await startMiniflareRuntime({ port: 8795, stateDir: "/tmp/x" });
 * try { await fetch(`${rt.baseUrl}/healthz`); } finally { await rt.stop(); }
 */
export interface MiniflareRuntime {
  baseUrl: string;
  secrets: LocalSecrets;
  /** The host process's pid, which is also its process group's (Node and workerd). */
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface MiniflareRuntimeOptions {
  port: number;
  /** Config copies, bundles, state (`<dir>/state`) and the log go under this folder. */
  stateDir: string;
  /** Only the bare route (bench/bare) instead of the product's workers. */
  bare?: boolean;
  /** workerd's inspector port, for `BENCH_PROFILE=1`. */
  inspectorPort?: number;
  /**
   * These workers (wrangler.toml paths under the repository, each bundled) instead of the
   * product's or the bare route; the first takes what no route matches. With `scriptWorkers`
   * and `kvSeed` as in HostSpec. No D1 migrations are applied.
   */
  /**
   * Queue shards and user databases (`RuntimeTuning.shards`): every sharded queue and the user
   * databases at this count, each user database migrated like `DB`. Default 1.
   */
  shards?: number;
  /**
   * Bundles go here and are reused when already there (a bundle holds code, not bindings, so
   * runtimes of one bench that differ only in their configs share them). Default: under
   * `stateDir`.
   */
  bundleRoot?: string;
  custom?: {
    workers: Array<{ config: string; routes?: string[] }>;
    scriptWorkers?: HostSpec["scriptWorkers"];
    kvSeed?: HostSpec["kvSeed"];
  };
}

/** Which configs the pipeline needs and the paths each one owns. */
const PRODUCT_WORKERS: Array<{ dir: (typeof RUNTIME_CONFIG_DIRS)[number]; routes?: string[] }> = [
  { dir: "." },
  { dir: "workers/redirect", routes: ["*/c/*", "*/r/*"] },
  { dir: "workers/postback", routes: ["*/postback/*"] },
];

export async function startMiniflareRuntime(
  options: MiniflareRuntimeOptions,
): Promise<MiniflareRuntime> {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const persistDir = path.join(options.stateDir, "state");
  const logFile = path.join(
    options.stateDir,
    options.bare ? "miniflare-bare.log" : "miniflare.log",
  );
  mkdirSync(options.stateDir, { recursive: true });
  const secrets = isolatedSecrets();
  let workers: HostSpec["workers"];
  if (options.custom) {
    workers = options.custom.workers.map((w) => ({
      config: path.join(ROOT, w.config),
      bundleDir: "",
      routes: w.routes,
    }));
  } else if (options.bare) {
    workers = [{ config: path.join(ROOT, "bench/bare/wrangler.toml"), bundleDir: "" }];
  } else {
    const copies = writeIsolatedConfigs(path.join(options.stateDir, "config"), secrets, baseUrl, {
      shards: options.shards,
    });
    workers = PRODUCT_WORKERS.map(({ dir, routes }) => ({
      config: copies[RUNTIME_CONFIG_DIRS.indexOf(dir)] as string,
      bundleDir: "",
      routes,
    }));
    const migrate = localD1(["migrations", "apply"], persistDir, { encoding: "utf8" });
    if (migrate.status !== 0) throw new Error(`D1 migrations failed: ${migrate.stderr}`);
    const apiConfig = copies[RUNTIME_CONFIG_DIRS.indexOf(".")] as string;
    for (let i = 1; i < (options.shards ?? 1); i++) migrateUserDb(apiConfig, i, persistDir);
  }
  for (const [i, w] of workers.entries()) {
    w.bundleDir = path.join(
      options.bundleRoot ?? path.join(options.stateDir, "bundles"),
      String(i),
    );
    if (!options.bundleRoot || !existsSync(path.join(w.bundleDir, "index.js"))) {
      bundle(w.config, w.bundleDir);
    }
  }

  const spec: HostSpec = {
    port: options.port,
    persistDir,
    workers,
    inspectorPort: options.inspectorPort,
    scriptWorkers: options.custom?.scriptWorkers,
    kvSeed: options.custom?.kvSeed,
  };
  writeFileSync(logFile, "");
  const log = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "bench/lib/miniflare-host.ts"), JSON.stringify(spec)],
    { cwd: ROOT, stdio: ["ignore", log, log], env: wranglerEnv(), detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), s);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  process.once("exit", () => {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  });
  try {
    // The host prints "ready <url>" to the log once Miniflare listens.
    const deadline = Date.now() + 120_000;
    while (!readFileSync(logFile, "utf8").includes("ready http")) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`Miniflare exited early\n${tailFile(logFile)}`);
      if (Date.now() > deadline)
        throw new Error(`Miniflare did not start in 120 s\n${tailFile(logFile)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, secrets, pid: child.pid as number, logFile, stop };
}

/** User database i's migrations (the same folder as `DB`'s), as the runbook's step 1 does. */
function migrateUserDb(config: string, i: number, persistDir: string): void {
  const out = spawnSync(
    WRANGLER,
    [
      "d1",
      "migrations",
      "apply",
      userDbName(i),
      "--local",
      "--persist-to",
      persistDir,
      "-c",
      config,
    ],
    { cwd: ROOT, encoding: "utf8", env: wranglerEnv() },
  );
  if (out.status !== 0) throw new Error(`D1 migrations of ${userDbName(i)} failed: ${out.stderr}`);
}

/** `wrangler deploy --dry-run --outdir`: the bundle a deploy would upload. */
function bundle(config: string, outdir: string): void {
  const out = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
    cwd: ROOT,
    encoding: "utf8",
    env: wranglerEnv(),
  });
  if (out.status !== 0) throw new Error(`bundling ${config} failed:\n${out.stdout}${out.stderr}`);
}
