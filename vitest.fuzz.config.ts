import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * `npm run fuzz` (scripts/fuzz.ts): the api and intake fuzz at volume, with the test suite's
 * pool and bindings (vitest.config.ts) but only test/fuzz/*.fuzz.ts, and the run's seed,
 * length and options compiled in from FUZZ_* variables.
 */
export default defineConfig(async (configEnv) => {
  const resolved = await base(configEnv);
  const int = (name: string, fallback: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer`);
    return value;
  };
  const options = {
    seed: int("FUZZ_SEED", 16),
    from: int("FUZZ_FROM", 0),
    requests: int("FUZZ_REQUESTS", 1_000),
    blockSize: Math.max(1, int("FUZZ_BLOCK", 64)),
    intakePerFormat: int("FUZZ_INTAKE", 0),
    events: int("FUZZ_EVENTS", 0),
    progressEvery: Math.max(1, int("FUZZ_PROGRESS", 1_000)),
  };
  const only = process.env.FUZZ_ONLY;
  return {
    ...resolved,
    define: { ...resolved.define, __FUZZ_OPTIONS__: JSON.stringify(options) },
    test: {
      ...resolved.test,
      include: only ? [`test/fuzz/${only}.fuzz.ts`] : ["test/fuzz/*.fuzz.ts"],
      testTimeout: 24 * 3_600_000,
      hookTimeout: 600_000,
    },
  };
});
