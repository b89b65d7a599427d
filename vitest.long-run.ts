import type { UserConfig } from "vitest/config";
import { patchedCloudflareTest } from "./scripts/vitest-pool-patch";
import { workersTestConfig } from "./vitest.config";

/** An environment variable as a whole number ≥ 0, or the fallback when unset. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer`);
  return value;
}

/**
 * A long run (`npm run sim`, `npm run fuzz`) with the test suite's pool and bindings
 * (vitest.config.ts) but only its own files, the run's options compiled in as `defineName`,
 * and no test timeout a long run could reach. `patchedPool`: the pool with its per-construction
 * slowdown fixed (scripts/vitest-pool-patch.ts), which a run of thousands of events needs.
 */
export async function longRunConfig(
  _configEnv: unknown,
  run: {
    defineName: string;
    options: object;
    include: string[];
    hookTimeoutMs?: number;
    patchedPool?: boolean;
  },
): Promise<UserConfig> {
  const resolved = await workersTestConfig(
    run.patchedPool ? await patchedCloudflareTest(import.meta.dirname) : undefined,
  );
  return {
    ...resolved,
    define: { ...(resolved as UserConfig).define, [run.defineName]: JSON.stringify(run.options) },
    test: {
      ...resolved.test,
      include: run.include,
      testTimeout: 24 * 3_600_000,
      ...(run.hookTimeoutMs === undefined ? {} : { hookTimeout: run.hookTimeoutMs }),
    },
  };
}
