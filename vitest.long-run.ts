import type { UserConfig } from "vitest/config";
import base from "./vitest.config";

/** An environment variable as a whole number ≥ 0, or the fallback when unset. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer`);
  return value;
}

/**
 * A long run (`npm run sim`, `npm run fuzz`) with the test suite's pool and bindings
 * (vitest.config.ts) but only its own files, the run's options compiled in as `defineName`,
 * and no test timeout a long run could reach.
 */
export async function longRunConfig(
  configEnv: Parameters<typeof base>[0],
  run: { defineName: string; options: object; include: string[]; hookTimeoutMs?: number },
): Promise<UserConfig> {
  const resolved = await base(configEnv);
  return {
    ...resolved,
    define: { ...resolved.define, [run.defineName]: JSON.stringify(run.options) },
    test: {
      ...resolved.test,
      include: run.include,
      testTimeout: 24 * 3_600_000,
      ...(run.hookTimeoutMs === undefined ? {} : { hookTimeout: run.hookTimeoutMs }),
    },
  };
}
