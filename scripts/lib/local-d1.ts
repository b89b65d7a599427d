import { type SpawnSyncOptions, type SpawnSyncReturns, spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./dev-vars";

/** The project's own wrangler binary, so scripts never depend on a global install. */
export const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/**
 * Runs `wrangler d1 <args> boomerang --local` against the local state in `persistDir`, with
 * the api worker's config (it owns the D1 binding and migrations). Used by `npm run dev` and
 * the benchmark.
 *
 * @example
 * localD1(["migrations", "apply"], ".wrangler/state", { stdio: "inherit" })
 */
export function localD1(
  args: string[],
  persistDir: string,
  options: SpawnSyncOptions = {},
  extra: string[] = [],
): SpawnSyncReturns<string | Buffer> {
  return spawnSync(
    WRANGLER,
    [
      "d1",
      ...args,
      "boomerang",
      "--local",
      "--persist-to",
      persistDir,
      "-c",
      "wrangler.toml",
      ...extra,
    ],
    {
      cwd: ROOT,
      ...options,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", ...options.env },
    },
  );
}
